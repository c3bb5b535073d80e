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

// fixedMessage returns the message of a rule whose wording does not
// depend on the field's kind.
func fixedMessage(tag string) (string, bool) {
	switch tag {
	case "required", "required_if", "required_unless", "required_with", "required_with_all", "required_without", "required_without_all":
		return "is required", true
	case "excluded_if", "excluded_unless", "excluded_with", "excluded_with_all", "excluded_without", "excluded_without_all", "isdefault":
		return "must not be given", true
	case "email":
		return "must be a valid email address", true
	case "url":
		return "must be a valid URL", true
	case "http_url":
		return "must be a valid HTTP or HTTPS URL", true
	case "https_url":
		return "must be a valid HTTPS URL", true
	case "uri":
		return "must be a valid URI", true
	case "uuid", "uuid_rfc4122":
		return "must be a valid UUID", true
	case "uuid3":
		return "must be a valid version 3 UUID", true
	case "uuid4":
		return "must be a valid version 4 UUID", true
	case "uuid5":
		return "must be a valid version 5 UUID", true
	case "ulid":
		return "must be a valid ULID", true
	case "alpha":
		return "must contain only ASCII letters", true
	case "alphanum":
		return "must contain only ASCII letters and digits", true
	case "alphaunicode":
		return "must contain only letters", true
	case "alphanumunicode":
		return "must contain only letters and digits", true
	case "numeric":
		return "must be a number", true
	case "number":
		return "must contain only digits", true
	case "boolean":
		return "must be a boolean", true
	case "hexadecimal":
		return "must be hexadecimal", true
	case "lowercase":
		return "must be lowercase", true
	case "uppercase":
		return "must be uppercase", true
	case "ascii":
		return "must contain only ASCII characters", true
	case "printascii":
		return "must contain only printable ASCII characters", true
	case "multibyte":
		return "must contain multibyte characters", true
	case "base64":
		return "must be valid base64", true
	case "base64url":
		return "must be valid base64url", true
	case "base64rawurl":
		return "must be valid unpadded base64url", true
	case "json":
		return "must be valid JSON", true
	case "jwt":
		return "must be a JWT", true
	case "e164":
		return "must be a phone number in E.164 form", true
	case "ip":
		return "must be an IP address", true
	case "ipv4":
		return "must be an IPv4 address", true
	case "ipv6":
		return "must be an IPv6 address", true
	case "cidr":
		return "must be a CIDR prefix", true
	case "hostname", "hostname_rfc1123":
		return "must be a host name", true
	case "fqdn":
		return "must be a fully qualified domain name", true
	case "semver":
		return "must be a semantic version", true
	case "timezone":
		return "must be a time zone name", true
	case "iso3166_1_alpha2":
		return "must be a two-letter country code", true
	case "iso3166_1_alpha3":
		return "must be a three-letter country code", true
	case "iso4217":
		return "must be a currency code", true
	case "bcp47_language_tag":
		return "must be a language tag", true
	case "unique":
		return "must not contain duplicates", true
	case "hexcolor":
		return "must be a hex colour", true
	case "latitude":
		return "must be a latitude", true
	case "longitude":
		return "must be a longitude", true
	case "dive":
		return "is not valid", true
	}
	return "", false
}

// builtinMessage phrases a rule for a field of kind k and type t.
func builtinMessage(tag, param string, k reflect.Kind, t reflect.Type) string {
	if m, ok := fixedMessage(tag); ok {
		return m
	}
	unit := func(n string) string {
		switch k {
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
	isTime := t == reflect.TypeOf(time.Time{})
	switch tag {
	case "len":
		if k == reflect.String || k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			return "must have exactly " + unit(param)
		}
		return "must be " + param
	case "min":
		if k == reflect.String || k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			return "must have at least " + unit(param)
		}
		return "must be at least " + param
	case "max":
		if k == reflect.String || k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			return "must have at most " + unit(param)
		}
		return "must be at most " + param
	case "eq":
		return "must be " + unit(param)
	case "ne":
		return "must not be " + unit(param)
	case "gt", "gte", "lt", "lte":
		word := comparison(tag, isTime)
		if isTime {
			if param == "" {
				return "must be " + word + "the current time"
			}
			return "must be " + word + param
		}
		if k == reflect.String || k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			return "must have " + word + unit(param)
		}
		return "must be " + word + param
	case "oneof", "oneofci":
		return "must be one of: " + strings.Join(strings.Fields(param), ", ")
	case "eqfield", "eqcsfield":
		return "must equal " + param
	case "nefield", "necsfield":
		return "must differ from " + param
	case "gtfield", "gtcsfield":
		return "must be greater than " + param
	case "gtefield", "gtecsfield":
		return "must be at least " + param
	case "ltfield", "ltcsfield":
		return "must be less than " + param
	case "ltefield", "ltecsfield":
		return "must be at most " + param
	case "contains":
		return "must contain " + quoteParam(param)
	case "containsany":
		return "must contain one of " + quoteParam(param)
	case "excludes", "excludesall":
		return "must not contain " + quoteParam(param)
	case "startswith":
		return "must start with " + quoteParam(param)
	case "endswith":
		return "must end with " + quoteParam(param)
	case "datetime":
		return "must be a date-time in the form " + param
	}
	return "does not satisfy the " + tag + " rule"
}

func quoteParam(p string) string { return "\"" + p + "\"" }

// fieldRef reports how a rule's parameter names other fields: "one" is a
// single name, "all" a list of names, "pairs" name/value pairs, "" none.
func fieldRef(tag string) string {
	switch tag {
	case "eqfield", "nefield", "gtfield", "gtefield", "ltfield", "ltefield", "fieldcontains", "fieldexcludes", "eqcsfield", "necsfield", "gtcsfield", "gtecsfield", "ltcsfield", "ltecsfield":
		return "one"
	case "required_with", "required_with_all", "required_without", "required_without_all", "excluded_with", "excluded_with_all", "excluded_without", "excluded_without_all":
		return "all"
	case "required_if", "required_unless", "excluded_if", "excluded_unless":
		return "pairs"
	}
	return ""
}

// clientParam returns e's parameter with Go field names replaced by the
// names clients use, so answers never expose Go identifiers.
func clientParam(root reflect.Type, e validator.FieldError) string {
	param := e.Param()
	how := fieldRef(e.Tag())
	if how == "" || param == "" {
		return param
	}
	// The failing field's parent struct, found by walking the Go namespace.
	parent := root
	segs := strings.Split(e.StructNamespace(), ".")
	if len(segs) > 2 {
		for _, s := range segs[1 : len(segs)-1] {
			name, _, _ := strings.Cut(s, "[")
			f, ok := deref(parent).FieldByName(name)
			if !ok {
				return ""
			}
			parent = f.Type
			for strings.Contains(s, "[") {
				_, s, _ = strings.Cut(s, "[")
				parent = deref(parent)
				if k := parent.Kind(); k == reflect.Slice || k == reflect.Array || k == reflect.Map {
					parent = parent.Elem()
				}
			}
		}
	}
	words := strings.Fields(param)
	for i, w := range words {
		if how == "pairs" && i%2 == 1 {
			continue
		}
		words[i] = goToClient(root, deref(parent), w, strings.Contains(e.Tag(), "csfield"))
	}
	return strings.Join(words, " ")
}

// goToClient maps a Go field name (or, for cross-struct rules, a dotted Go
// path from root) to the client's name for it; "" when it cannot.
func goToClient(root, parent reflect.Type, name string, fromRoot bool) string {
	t := parent
	if fromRoot {
		t = deref(root)
	}
	var out []string
	for _, part := range strings.Split(name, ".") {
		if t.Kind() != reflect.Struct {
			return ""
		}
		f, ok := t.FieldByName(part)
		if !ok {
			return ""
		}
		if n := clientName(f); n != "" {
			out = append(out, n)
		}
		t = deref(f.Type)
	}
	return strings.Join(out, ".")
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
