package validate

import (
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// message returns the client message for a failed built-in rule. It is
// built from the rule and its parameter only, never from the value.
func (v *Validator) message(e validator.FieldError, param string) string {
	tag := e.Tag()
	if m, ok := v.messages[tag]; ok {
		return strings.ReplaceAll(m, "{param}", param)
	}
	return builtinMessage(tag, param, e.Kind(), e.Type())
}

// fixedMessages are the messages of rules whose wording depends neither
// on the field's kind nor on a parameter. Read-only: a Validator's own
// replacements live in Validator.messages. Every key is a go-playground
// tag (a test checks it), so a typo here cannot hide a rule.
var fixedMessages = map[string]string{
	"required":             "is required",
	"required_if":          "is required",
	"required_unless":      "is required",
	"required_with":        "is required",
	"required_with_all":    "is required",
	"required_without":     "is required",
	"required_without_all": "is required",
	"excluded_if":          "must not be given",
	"excluded_unless":      "must not be given",
	"excluded_with":        "must not be given",
	"excluded_with_all":    "must not be given",
	"excluded_without":     "must not be given",
	"excluded_without_all": "must not be given",
	"isdefault":            "must not be given",
	"email":                "must be a valid email address",
	"url":                  "must be a valid URL",
	"http_url":             "must be a valid HTTP or HTTPS URL",
	"https_url":            "must be a valid HTTPS URL",
	"uri":                  "must be a valid URI",
	"uuid":                 "must be a valid UUID",
	"uuid_rfc4122":         "must be a valid UUID",
	"uuid3":                "must be a valid version 3 UUID",
	"uuid4":                "must be a valid version 4 UUID",
	"uuid5":                "must be a valid version 5 UUID",
	"ulid":                 "must be a valid ULID",
	"alpha":                "must contain only ASCII letters",
	"alphanum":             "must contain only ASCII letters and digits",
	"alphaunicode":         "must contain only letters",
	"alphanumunicode":      "must contain only letters and digits",
	"numeric":              "must be a number",
	"number":               "must contain only digits",
	"boolean":              "must be a boolean",
	"hexadecimal":          "must be hexadecimal",
	"lowercase":            "must be lowercase",
	"uppercase":            "must be uppercase",
	"ascii":                "must contain only ASCII characters",
	"printascii":           "must contain only printable ASCII characters",
	"multibyte":            "must contain multibyte characters",
	"base64":               "must be valid base64",
	"base64url":            "must be valid base64url",
	"base64rawurl":         "must be valid unpadded base64url",
	"json":                 "must be valid JSON",
	"jwt":                  "must be a JWT",
	"e164":                 "must be a phone number in E.164 form",
	"ip":                   "must be an IP address",
	"ipv4":                 "must be an IPv4 address",
	"ipv6":                 "must be an IPv6 address",
	"cidr":                 "must be a CIDR prefix",
	"hostname":             "must be a host name",
	"hostname_rfc1123":     "must be a host name",
	"fqdn":                 "must be a fully qualified domain name",
	"semver":               "must be a semantic version",
	"timezone":             "must be a time zone name",
	"iso3166_1_alpha2":     "must be a two-letter country code",
	"iso3166_1_alpha3":     "must be a three-letter country code",
	"iso4217":              "must be a currency code",
	"bcp47_language_tag":   "must be a language tag",
	"unique":               "must not contain duplicates",
	"hexcolor":             "must be a hex colour",
	"latitude":             "must be a latitude",
	"longitude":            "must be a longitude",
	"dive":                 "is not valid",
}

// builtinMessage phrases rule tag for a field of kind k and type t.
func builtinMessage(tag, param string, k reflect.Kind, t reflect.Type) string {
	if m, ok := fixedMessages[tag]; ok {
		return m
	}
	if f, ok := paramMessages[tag]; ok {
		return f(msgArgs{tag: tag, param: param, kind: k, isTime: t == reflect.TypeFor[time.Time]()})
	}
	return "does not satisfy the " + tag + " rule"
}

// msgArgs is what a parametrised message is built from: never the value.
type msgArgs struct {
	tag, param string
	kind       reflect.Kind
	isTime     bool
}

// sized reports whether the rule's parameter counts characters or items
// rather than comparing a number.
func (a msgArgs) sized() bool {
	switch a.kind {
	case reflect.String, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}

// unit is the parameter with its unit: "8 characters", "1 item", "3".
func (a msgArgs) unit() string {
	n := a.param
	switch a.kind {
	case reflect.String:
		if n == "1" {
			return n + " character"
		}
		return n + " characters"
	case reflect.Slice, reflect.Array, reflect.Map:
		if n == "1" {
			return n + " item"
		}
		return n + " items"
	}
	return n
}

// sizeOrValue words a rule that bounds a length for sized kinds and a
// value otherwise.
func sizeOrValue(sizedPrefix, valuePrefix string) func(msgArgs) string {
	return func(a msgArgs) string {
		if a.sized() {
			return sizedPrefix + a.unit()
		}
		return valuePrefix + a.param
	}
}

// compare words gt, gte, lt and lte, which go-playground also applies to
// times (with no parameter: compared with the current time).
func compare(a msgArgs) string {
	word := comparison(a.tag, a.isTime)
	switch {
	case a.isTime && a.param == "":
		return "must be " + word + "the current time"
	case a.isTime:
		return "must be " + word + a.param
	case a.sized():
		return "must have " + word + a.unit()
	}
	return "must be " + word + a.param
}

// prefixed words a rule as a fixed phrase followed by its parameter,
// quoted when it is text the value must hold.
func prefixed(prefix string, quote bool) func(msgArgs) string {
	return func(a msgArgs) string {
		if quote {
			return prefix + "\"" + a.param + "\""
		}
		return prefix + a.param
	}
}

// paramMessages are the messages of rules whose wording uses the tag's
// parameter, keyed by tag. Read-only; every key is a go-playground tag.
var paramMessages = map[string]func(msgArgs) string{
	"len":         sizeOrValue("must have exactly ", "must be "),
	"min":         sizeOrValue("must have at least ", "must be at least "),
	"max":         sizeOrValue("must have at most ", "must be at most "),
	"eq":          func(a msgArgs) string { return "must be " + a.unit() },
	"ne":          func(a msgArgs) string { return "must not be " + a.unit() },
	"gt":          compare,
	"gte":         compare,
	"lt":          compare,
	"lte":         compare,
	"oneof":       oneOf,
	"oneofci":     oneOf,
	"eqfield":     prefixed("must equal ", false),
	"eqcsfield":   prefixed("must equal ", false),
	"nefield":     prefixed("must differ from ", false),
	"necsfield":   prefixed("must differ from ", false),
	"gtfield":     prefixed("must be greater than ", false),
	"gtcsfield":   prefixed("must be greater than ", false),
	"gtefield":    prefixed("must be at least ", false),
	"gtecsfield":  prefixed("must be at least ", false),
	"ltfield":     prefixed("must be less than ", false),
	"ltcsfield":   prefixed("must be less than ", false),
	"ltefield":    prefixed("must be at most ", false),
	"ltecsfield":  prefixed("must be at most ", false),
	"contains":    prefixed("must contain ", true),
	"containsany": prefixed("must contain one of ", true),
	"excludes":    prefixed("must not contain ", true),
	"excludesall": prefixed("must not contain ", true),
	"startswith":  prefixed("must start with ", true),
	"endswith":    prefixed("must end with ", true),
	"datetime": func(a msgArgs) string {
		return "must be a date-time in the form " + a.param
	},
}

func oneOf(a msgArgs) string {
	return "must be one of: " + strings.Join(strings.Fields(a.param), ", ")
}

// comparison words a gt/gte/lt/lte rule.
func comparison(tag string, isTime bool) string {
	switch {
	case tag == "gt" && isTime:
		return "after "
	case tag == "gte" && isTime:
		return "at or after "
	case tag == "lt" && isTime:
		return "before "
	case tag == "lte" && isTime:
		return "at or before "
	case tag == "gt":
		return "more than "
	case tag == "gte":
		return "at least "
	case tag == "lt":
		return "less than "
	}
	return "at most "
}
