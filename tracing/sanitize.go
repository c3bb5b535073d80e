package tracing

import "strings"

// This file holds what keeps values out of traces: the SQL statement
// sanitiser and the error-message redactor. Both fail towards recording
// less: when they cannot tell where a value ends, they drop the rest.

// maxQuery bounds the recorded statement; X-Ray documents are limited to
// 64 KiB.
const maxQuery = 2048

// sanitizeQuery replaces string (quoted or PostgreSQL dollar-quoted), hex
// and number literals in q with "?" so values written into a statement (a
// password in ALTER USER, an e-mail in a WHERE clause) never reach a
// trace. Identifiers, placeholders and the structure without comments are
// kept; from a backslash inside a literal on, where MySQL and PostgreSQL
// disagree about where the literal ends, nothing is, and neither is
// anything after an unterminated literal, comment or quoted identifier.
// The result is cut to 2048 bytes.
func sanitizeQuery(q string) string {
	var b strings.Builder
	b.Grow(min(len(q), maxQuery))
	for i := 0; i < len(q) && b.Len() < maxQuery; {
		next, out := sqlToken(q, i)
		b.WriteString(out)
		i = next
	}
	s := b.String()
	if len(s) > maxQuery {
		s = s[:maxQuery]
	}
	return strings.ToValidUTF8(s, "")
}

// sqlToken reads the token that starts at q[i]. It returns where the next
// token starts and what to record for this one.
func sqlToken(q string, i int) (next int, out string) {
	c := q[i]
	switch {
	case c == '\'' || c == '"':
		return quotedEnd(q, i), "?"
	case c == '-' && i+1 < len(q) && q[i+1] == '-', c == '#':
		// A comment runs to the end of the line; it may hold anything.
		if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
			return i + j, ""
		}
		return len(q), ""
	case c == '/' && i+1 < len(q) && q[i+1] == '*':
		return blockCommentEnd(q, i), " "
	case c == '$' && (i == 0 || !identByte(q[i-1])) && dollarTag(q[i:]) != "":
		// A PostgreSQL dollar-quoted literal, $$...$$ or $tag$...$tag$.
		tag := dollarTag(q[i:])
		if j := strings.Index(q[i+len(tag):], tag); j >= 0 {
			return i + len(tag) + j + len(tag), "?"
		}
		return len(q), "?"
	case c >= '0' && c <= '9' && (i == 0 || !identByte(q[i-1])):
		// Numbers, 0x/0b literals and exponents alike.
		j := i
		for j < len(q) && (identByte(q[j]) || q[j] == '.') {
			j++
		}
		return j, "?"
	case c == '`':
		// A MySQL quoted identifier. Unterminated, it is not one, and
		// what follows may be anything.
		if j := strings.IndexByte(q[i+1:], '`'); j >= 0 {
			return i + j + 2, q[i : i+j+2]
		}
		return len(q), "?"
	case identByte(c):
		j := i
		for j < len(q) && identByte(q[j]) {
			j++
		}
		return j, q[i:j]
	}
	return i + 1, q[i : i+1]
}

// quotedEnd returns the index just past the quoted literal that starts at
// q[i]. A doubled quote is part of the literal. MySQL reads a backslash as
// an escape, PostgreSQL (standard strings) as a character, so where a
// literal holding one ends depends on the server: the literal then runs to
// the end of q rather than guess and record a value.
func quotedEnd(q string, i int) int {
	c := q[i]
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			return len(q)
		case c:
			if j+1 < len(q) && q[j+1] == c {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// blockCommentEnd returns the index just past the block comment that
// starts at q[i]. PostgreSQL nests block comments and MySQL does not;
// counting the nesting can only make a MySQL comment look longer, which
// records less.
func blockCommentEnd(q string, i int) int {
	depth := 0
	for j := i; j+1 < len(q); j++ {
		switch {
		case q[j] == '/' && q[j+1] == '*':
			depth++
			j++
		case q[j] == '*' && q[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(q)
}

// dollarTag returns the opening delimiter of a dollar-quoted literal at
// the start of s ("$$" or "$tag$"), or "" when s does not start with one.
// "$1", a placeholder, is not one: a tag cannot start with a digit.
func dollarTag(s string) string {
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$':
			return s[:i+1]
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 1 && '0' <= c && c <= '9':
		default:
			return ""
		}
	}
	return ""
}

func identByte(c byte) bool {
	return keyByte(c) || c == '$' || c >= 0x80
}

// maxMessage bounds a recorded error message.
const maxMessage = 1024

// redactMessage hides the quoted values in an error message: database
// servers, Redis and net/url quote the offending value there
// ("Duplicate entry 'alice@example.com' for key 'email'", `Get
// "https://host/?token=..."`), and they quote it verbatim, so the value
// may itself hold quotes followed by anything, or the message may be cut
// inside it. Where a quoted value ends therefore cannot be known, and
// everything from the first quote on is replaced by "?". Text before it
// (MySQL's error number, the operation, the server's explanation) is
// kept. An apostrophe between two letters or digits ("doesn't") is not a
// quote: a value cannot make its opening quote look like one, since the
// server writes the text before it.
func redactMessage(s string) string {
	for i := 0; i < len(s); i++ {
		if isQuote(s[i]) && !(i > 0 && i+1 < len(s) && alnum(s[i-1]) && alnum(s[i+1])) {
			s = s[:i] + "?"
			break
		}
	}
	return truncate(strings.ToValidUTF8(s, ""), maxMessage)
}

func isQuote(c byte) bool { return c == '\'' || c == '"' || c == '`' }

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
