package validate

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Each is always wrapped; use [errors.Is]. The text after
// the sentinel's own is safe to show a client: it never contains a
// submitted value. [WriteError] turns each into its status code.
var (
	// ErrUnsupportedMediaType is returned by [Validator.DecodeJSON] when the
	// Content-Type is not application/json or application/*+json, names a
	// charset other than UTF-8, or a Content-Encoding is set. Status 415.
	ErrUnsupportedMediaType = errors.New("validate: unsupported media type")

	// ErrBodyTooLarge is returned by [Validator.DecodeJSON] when the body is
	// longer than [Config.MaxBodyBytes]. Status 413.
	ErrBodyTooLarge = errors.New("validate: request body too large")

	// ErrMalformed is returned by [Validator.DecodeJSON] and
	// [Validator.DecodeQuery] when the request cannot be decoded: empty
	// body, JSON syntax error, invalid UTF-8, data after the JSON value,
	// nesting deeper than [Config.MaxDepth], or a malformed query string.
	// When the problem lies in named fields (wrong type, unknown field,
	// duplicate key, repeated parameter) the error is a [*FieldErrors]
	// listing them. Status 400.
	ErrMalformed = errors.New("validate: malformed request")

	// ErrInvalid is returned by [Validator.DecodeJSON],
	// [Validator.DecodeQuery] and [Validator.Struct] when the decoded value
	// breaks its validate tags. The error is always a [*FieldErrors].
	// Status 422.
	ErrInvalid = errors.New("validate: invalid request")

	// ErrInvalidType is returned by [Validator.Register] and, for a type
	// that was not registered first, by [Validator.DecodeJSON],
	// [Validator.DecodeQuery] and [Validator.Struct], when a destination
	// type cannot be used: not a pointer to a struct, a validate tag
	// naming an unknown rule, a query tag on an unsupported field type,
	// and so on. All of them return it, too, from a Validator that [New]
	// did not make. It is a programming error; [WriteError] answers 500
	// without detail.
	ErrInvalidType = errors.New("validate: invalid destination type")
)

// FieldError is one problem with one field of a request. It never holds
// the submitted value.
type FieldError struct {
	// Field names the field as the client wrote it: a JSON path such as
	// "items[2].qty" (map keys also in brackets) or a query or path
	// parameter name.
	Field string
	// Rule is a stable machine-readable code: the validate tag that failed
	// ("required", "email", "min", or a rule from [Config.Rules]), or, for
	// decoding problems, "type", "unknown", "duplicate" or "repeated".
	Rule string
	// Param is the rule's parameter from the struct tag ("8" for min=8),
	// with Go field names translated to client names; empty if none.
	Param string
	// Message is a short English sentence fragment for people, such as
	// "must be at least 8 characters".
	Message string
	// Codes are stable machine-readable reasons within Rule, for rules
	// that have several: a password policy's "too_short", "common" or
	// "contains_context". A rule from [Config.Rules] or
	// [Config.ContextRules] reports them through a Codes method on its
	// error (see [Messages]); each entry carries the code of its message.
	// Empty for built-in rules.
	Codes []string
}

// FieldErrors lists every field problem found in a request, in the order
// the fields were met. It unwraps to [ErrInvalid] (validation failures,
// status 422) or [ErrMalformed] (decoding failures, status 400).
//
// At most 100 problems are listed; a request with more is still rejected.
//
// A FieldErrors the caller builds is a validation failure: checks that tags
// cannot express (a password policy that needs the email, a uniqueness
// rule) can append to the one [Validator.DecodeJSON] returned, or start an
// empty one, and answer with [WriteError] in the same shape.
type FieldErrors struct {
	Errors []FieldError
	kind   error
}

// maxFieldErrors bounds how many problems one request can produce, so a
// hostile body cannot make the answer much larger than itself.
const maxFieldErrors = 100

// Error lists the problems as "field message" pairs. Field names are
// client text (an unknown member, a map key, a query parameter name), so
// every character that is not printable is escaped: an application that
// logs the error never writes a client's newline, escape sequence or
// bidirectional override into its log.
func (e *FieldErrors) Error() string {
	var b strings.Builder
	b.WriteString(e.Unwrap().Error())
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		writeEscaped(&b, fe.Field)
		b.WriteByte(' ')
		writeEscaped(&b, fe.Message)
	}
	return b.String()
}

// writeEscaped writes s with each byte of invalid UTF-8 as \xNN and each
// rune that strconv.IsPrint refuses (controls, format characters such as
// U+202E, line and paragraph separators) as \uNNNN or \UNNNNNNNN, the
// spelling of a Go string literal. A backslash is doubled so an escape
// cannot be forged. Printable text, including non-ASCII letters, is kept.
func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\\':
			b.WriteString(`\\`)
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRuneToASCII(r) // '\n', '\u202e', '\x00'
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

// escapeText is writeEscaped to a string.
func escapeText(s string) string {
	var b strings.Builder
	writeEscaped(&b, s)
	return b.String()
}

// Unwrap returns [ErrInvalid] or [ErrMalformed].
func (e *FieldErrors) Unwrap() error {
	if e.kind == nil {
		return ErrInvalid
	}
	return e.kind
}

func (e *FieldErrors) add(fe FieldError) {
	if len(e.Errors) < maxFieldErrors {
		e.Errors = append(e.Errors, fe)
	}
}

// requestError is a sentinel with a client-safe detail.
type requestError struct {
	kind   error
	detail string
}

func (e *requestError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *requestError) Unwrap() error { return e.kind }

func newError(kind error, detail string) error {
	return &requestError{kind: kind, detail: detail}
}
