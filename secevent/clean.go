package secevent

import (
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	// maxValue bounds every string an event carries.
	maxValue = 256
	// maxAttrs bounds the attributes of one event (groups count theirs).
	maxAttrs = 32
	redacted = "[REDACTED]"
)

// Clean returns e as every Sink receives it through [Emit]: level filled
// in, credentials redacted, values of arbitrary types reduced to their
// type name, control characters escaped and strings bounded. It is
// exported for Sinks that receive events by other paths.
func Clean(e Event) Event {
	if e.Level == 0 {
		e.Level = e.Name.Level()
	}
	e.Name = Name(cleanValue(string(e.Name)))
	e.UserID = cleanValue(e.UserID)
	e.ClientIP = cleanValue(e.ClientIP)
	e.Route = cleanValue(e.Route)
	e.Reason = cleanValue(e.Reason)
	if len(e.Attrs) > 0 {
		budget := maxAttrs
		e.Attrs = cleanAttrs(e.Attrs, &budget, 0)
	}
	return e
}

// secretKey matches attribute keys that name a credential. Both patterns
// are compiled on first use, not at package initialisation: a program
// that imports secevent (every package of the module that reports events
// does) pays neither the compile at cold start nor, unless it cleans an
// event, the regexp package in its binary.
func secretKey() *regexp.Regexp {
	patterns.once.Do(compilePatterns)
	return patterns.key
}

// secretValue matches values that hold a credential whatever their key: a
// JWS/JWT (base64url parts, the first starting with eyJ), a bearer or
// basic authorization value, a PHC or bcrypt password hash, a
// "password=..." pair in free text, and a URL or DSN with a password
// ("user:pass@host").
func secretValue() *regexp.Regexp {
	patterns.once.Do(compilePatterns)
	return patterns.value
}

// patterns holds both, compiled together by compilePatterns. Only
// functions refer to it, so the linker drops it, and the regexp package
// with it, from a program that never cleans an event.
var patterns struct {
	once       sync.Once
	key, value *regexp.Regexp
}

func compilePatterns() {
	patterns.key = regexp.MustCompile(`(?i)pass(word|wd|phrase)?|secret|token|auth(orization)?$|cookie|session|api[-_]?key|private[-_]?key|credential|jwt|bearer|signature`)
	patterns.value = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.` +
		`|(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}` +
		`|\$(argon2(id|i|d)|2[abxy]|scrypt|pbkdf2[-a-z0-9]*)\$` +
		`|(?i)(pass(word|wd|phrase)?|secret|token|api[-_]?key)["']?\s*[=:]\s*\S` +
		`|[A-Za-z0-9._%-]+:[^@\s/]+@[A-Za-z0-9.(\[-]`)
}

func cleanAttrs(attrs []slog.Attr, budget *int, depth int) []slog.Attr {
	out := make([]slog.Attr, 0, min(len(attrs), *budget))
	for _, a := range attrs {
		if *budget <= 0 {
			break
		}
		*budget--
		key := cleanString(a.Key)
		if secretKey().MatchString(a.Key) {
			out = append(out, slog.String(key, redacted))
			continue
		}
		out = append(out, slog.Attr{Key: key, Value: cleanSlogValue(a.Value, budget, depth)})
	}
	return out
}

func cleanSlogValue(v slog.Value, budget *int, depth int) slog.Value {
	v = v.Resolve() // LogValuer types redact themselves
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(cleanValue(v.String()))
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return v
	case slog.KindGroup:
		if depth >= 3 {
			return slog.StringValue("[group]")
		}
		return slog.GroupValue(cleanAttrs(v.Group(), budget, depth+1)...)
	default: // KindAny
		return slog.StringValue(cleanAny(v.Any()))
	}
}

// cleanAny renders the few types whose text is safe to show; anything
// else could hold a secret in a field, so only its type name is kept.
func cleanAny(x any) string {
	switch x := x.(type) {
	case nil:
		return ""
	case error:
		return cleanValue(x.Error())
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case fmt.Stringer:
		// A Stringer chose what to show, but a secret-holding type that
		// forgot to redact String is the case to guard against: keep the
		// type name only unless the text carries no credential pattern.
		s := x.String()
		if maybeSecret(s) && secretValue().MatchString(s) {
			return redacted
		}
		return cleanValue(s)
	case []byte:
		return "[" + strconv.Itoa(len(x)) + " bytes]"
	default:
		return "[" + fmt.Sprintf("%T", x) + "]"
	}
}

// cleanValue is cleanString plus the credential-pattern check.
func cleanValue(s string) string {
	if maybeSecret(s) && secretValue().MatchString(s) {
		return redacted
	}
	return cleanString(s)
}

// cleanString escapes control characters and invalid UTF-8 (a CR or LF
// from a client could otherwise start a forged log line) and cuts the
// result to maxValue bytes on a rune boundary.
func cleanString(s string) string {
	if len(s) <= maxValue && printable(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= maxValue {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError && !validAt(s, i):
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func validAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return !(r == utf8.RuneError && size <= 1)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			return false // non-ASCII takes the careful path
		}
	}
	return true
}

// maybeSecret is a cheap filter in front of secretValue: every pattern
// needs one of these characters or words, and most values (routes,
// reasons, addresses) have none, so the regular expression rarely runs.
func maybeSecret(s string) bool {
	return strings.ContainsAny(s, "$=:") || strings.Contains(s, "eyJ") ||
		containsFold(s, "bearer") || containsFold(s, "basic")
}

// containsFold reports whether s holds the lowercase ASCII word w in any
// case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
