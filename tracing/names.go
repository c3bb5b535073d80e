package tracing

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors returned by [Annotate]. Both are always wrapped; use errors.Is.
var (
	// ErrInvalidAnnotation means the key is empty or reserved, or the value
	// is not a string, bool, integer or finite float.
	ErrInvalidAnnotation = errors.New("tracing: invalid annotation")
	// ErrAnnotationLimit means the trace already holds X-Ray's maximum of
	// 50 annotations; the new one was dropped.
	ErrAnnotationLimit = errors.New("tracing: annotation limit reached")
)

// X-Ray limits.
const (
	maxAnnotations     = 50
	maxAnnotationKey   = 500
	maxAnnotationValue = 1000 // characters
	maxName            = 200  // characters
)

// reservedKeys are the annotations the middleware sets itself.
var reservedKeys = [...]string{"service", "service_version", "cold_start", "route"}

// annotationKey maps key to X-Ray's rules: ASCII letters, digits and
// underscores, at most 500 of them. Anything else becomes an underscore, so
// "user.id" and "user-id" are both recorded as "user_id".
func annotationKey(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: empty key", ErrInvalidAnnotation)
	}
	clean := true
	for i := 0; i < len(key); i++ {
		if !keyByte(key[i]) {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		for _, r := range key {
			if r < utf8.RuneSelf && keyByte(byte(r)) {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
		key = b.String()
	}
	if len(key) > maxAnnotationKey {
		key = key[:maxAnnotationKey]
	}
	for _, r := range reservedKeys {
		if key == r {
			return "", fmt.Errorf("%w: key %q is set by the middleware", ErrInvalidAnnotation, key)
		}
	}
	return key, nil
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// annotationValue converts v to a type X-Ray indexes: string, bool,
// int64, uint64 or float64. Named types (time.Duration, custom enums) are
// converted by kind. Strings are made valid UTF-8 and cut to 1000
// characters.
func annotationValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return truncate(strings.ToValidUTF8(x, "\uFFFD"), maxAnnotationValue), nil
	case bool:
		return x, nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		return finite(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return annotationValue(rv.String())
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint(), nil
	case reflect.Float32, reflect.Float64:
		return finite(rv.Float())
	}
	return nil, fmt.Errorf("%w: value of type %T; want string, bool or number", ErrInvalidAnnotation, v)
}

func finite(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// encoding/json cannot encode these: the whole document would
		// be lost.
		return nil, fmt.Errorf("%w: value %v is not finite", ErrInvalidAnnotation, f)
	}
	return f, nil
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// sanitizeName maps s to X-Ray's rules for segment names: letters, digits,
// white space and _ . : / % & # = + \ - @, at most 200 characters. Route
// wildcards are rewritten the way other routers write them, so the pattern
// "GET /users/{id}" becomes "GET /users/:id", "{path...}" becomes ":path..."
// and "{$}" disappears. Anything else that is not allowed becomes "_".
func sanitizeName(s string) string {
	ok := true
	for _, r := range s {
		if !nameRune(r) {
			ok = false
			break
		}
	}
	if !ok {
		s = strings.ReplaceAll(s, "{$}", "")
		var b strings.Builder
		for _, r := range s {
			switch {
			case r == '{':
				b.WriteByte(':')
			case r == '}':
			case nameRune(r):
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
		s = b.String()
	}
	s = truncate(s, maxName)
	if strings.TrimSpace(s) == "" {
		return "unnamed"
	}
	return s
}

func nameRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return keyByte(c) || c == ' ' || strings.IndexByte(`.:/%&#=+\-@`, c) >= 0
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r))
}
