// Package strictjson is the one strict JSON token layer of the library:
// whitespace, strings and their escapes, UTF-8 and surrogates, the number
// grammar, nesting depth and duplicate member names. validate builds its
// typed request scanner on it and jwtauth reads JOSE headers and claim sets
// with it, so both refuse exactly the same texts.
//
// It is stricter than encoding/json in the ways that let two parsers read
// one text differently (RFC 8259 leaves them to the implementation, RFC
// 8725 section 2.5 and RFC 7519 section 4 ask JWTs to refuse them):
//
//   - invalid UTF-8 and unpaired surrogate escapes ("\ud800") are errors,
//     where encoding/json turns both into U+FFFD, so that two different
//     byte strings would decode to one value;
//   - duplicate member names, compared after unescaping, are errors at
//     every depth, where encoding/json keeps the last;
//   - nesting is bounded.
//
// Whatever it accepts, encoding/json accepts too and decodes to the same
// values (the package's differential test and fuzz target check this).
package strictjson

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// SyntaxError is a text that is not strict JSON. Offset is the byte at
// which the scan stopped. Msg never holds any of the input.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string { return e.Msg + " at byte " + strconv.Itoa(e.Offset) }

// DepthError is a text that nests objects and arrays deeper than Max.
type DepthError struct {
	Max    int
	Offset int
}

func (e *DepthError) Error() string {
	return "JSON nests more than " + strconv.Itoa(e.Max) + " levels deep at byte " + strconv.Itoa(e.Offset)
}

// ErrDuplicate is returned by [Members] and [Valid] when an object holds
// the same member name twice (after unescaping), at any depth.
var ErrDuplicate = errors.New("duplicate member name")

// Scanner reads the tokens of one JSON text in Data from Pos. Callers that
// know what they expect (a struct, an array of strings) drive it token by
// token; [Scanner.Skip] reads a whole value of any shape.
//
// Errors are sticky: the first one is kept in Err and every later step
// reports failure without moving, so a caller checks Err once after a
// sequence of calls. The zero Scanner with Data set scans with no depth
// limit; set MaxDepth.
type Scanner struct {
	Data     []byte
	Pos      int
	MaxDepth int // the deepest nesting allowed; zero means no limit
	Err      error
	depth    int
}

// Fail records a syntax error at Pos unless an error is already recorded.
func (s *Scanner) Fail(msg string) {
	if s.Err == nil {
		s.Err = &SyntaxError{Msg: msg, Offset: s.Pos}
	}
}

// EOF reports whether the input has run out, recording that as an error:
// every caller asks only where a token must follow.
func (s *Scanner) EOF() bool {
	if s.Pos >= len(s.Data) {
		s.Fail("unexpected end of input")
		return true
	}
	return false
}

// SkipSpace moves past the four whitespace bytes of RFC 8259 section 2.
// Nothing else counts: not U+00A0, not a byte order mark, not a comment.
func (s *Scanner) SkipSpace() {
	for s.Pos < len(s.Data) {
		switch s.Data[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Literal reads true, false or null, whichever lit is. On a mismatch the
// error points at the first byte that differs, so "tru" is an end of input
// and "trUe" an unexpected character, as encoding/json reports them.
func (s *Scanner) Literal(lit string) bool {
	if len(s.Data)-s.Pos >= len(lit) && string(s.Data[s.Pos:s.Pos+len(lit)]) == lit {
		s.Pos += len(lit)
		return true
	}
	for i := 0; i < len(lit) && s.Pos < len(s.Data) && s.Data[s.Pos] == lit[i]; i++ {
		s.Pos++
	}
	if !s.EOF() {
		s.Fail("unexpected character")
	}
	return false
}

// Open enters the object or array whose opening byte is at Pos; end is its
// closing byte. It reports whether there is anything inside to read:
// false when the container is empty (consumed whole, depth unchanged) or
// when it is one level too deep (Err set). After true, the caller reads
// the first member or element and, when [Scanner.Next] reports the end,
// calls [Scanner.Close].
func (s *Scanner) Open(end byte) bool {
	if s.Err != nil {
		return false
	}
	s.depth++
	if s.MaxDepth > 0 && s.depth > s.MaxDepth {
		// The offset is the opening byte of the container that is one
		// too many, so a client can find it.
		s.Err = &DepthError{Max: s.MaxDepth, Offset: s.Pos}
		return false
	}
	s.Pos++
	s.SkipSpace()
	if s.Pos < len(s.Data) && s.Data[s.Pos] == end {
		s.Pos++
		s.depth--
		return false
	}
	return true
}

// Close leaves a container that [Scanner.Open] entered.
func (s *Scanner) Close() { s.depth-- }

// Next reads what follows a member or element: a ',' (true: another
// follows) or the container's closing byte end (false). Anything else is
// an error, so a trailing comma ("[1,]") fails where the ']' stands.
func (s *Scanner) Next(end byte) bool {
	if s.Err != nil {
		return false
	}
	s.SkipSpace()
	if s.EOF() {
		return false
	}
	switch s.Data[s.Pos] {
	case ',':
		s.Pos++
		return true
	case end:
		s.Pos++
		return false
	}
	s.Fail("expected ',' or '" + string(end) + "'")
	return false
}

// Name reads a member name and the ':' after it, returning the name's
// literal (quotes included) and whether it holds escapes. The caller
// compares names after unescaping them ([AppendUnquote]): "\u0061" and
// "a" are one name.
func (s *Scanner) Name() (lit []byte, escaped, ok bool) {
	s.SkipSpace()
	if s.EOF() {
		return nil, false, false
	}
	if s.Data[s.Pos] != '"' {
		s.Fail("expected a member name")
		return nil, false, false
	}
	start := s.Pos
	escaped = s.String()
	if s.Err != nil {
		return nil, false, false
	}
	lit = s.Data[start:s.Pos]
	s.SkipSpace()
	if s.EOF() {
		return nil, false, false
	}
	if s.Data[s.Pos] != ':' {
		s.Fail("expected ':'")
		return nil, false, false
	}
	s.Pos++
	return lit, escaped, true
}

// String reads the string whose opening quote is at Pos and reports
// whether it holds escapes (so a caller can take the bytes between the
// quotes as they are when it does not). It refuses what RFC 8259 section
// 7 refuses (raw control characters, unknown escapes, short \u escapes)
// and, beyond it, invalid UTF-8 and unpaired surrogates.
func (s *Scanner) String() (escaped bool) {
	b := s.Data
	s.Pos++ // the opening quote
	for {
		// The common case is printable ASCII: one comparison chain per
		// byte and no decoding.
		for s.Pos < len(b) {
			c := b[s.Pos]
			if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			s.Pos++
		}
		if s.EOF() {
			return escaped
		}
		switch c := b[s.Pos]; {
		case c == '"':
			s.Pos++
			return escaped
		case c == '\\':
			escaped = true
			if !s.escape() {
				return escaped
			}
		case c < 0x20:
			// A raw newline or tab inside a string: RFC 8259 requires
			// them escaped, and a lenient reader that accepts them
			// reads a different text from one that does not.
			s.Fail("control character in string")
			return escaped
		default:
			// A multi-byte sequence. DecodeRune refuses overlong forms,
			// encoded surrogates (ED A0 80) and values past U+10FFFF
			// with (RuneError, 1); a real U+FFFD is (RuneError, 3).
			r, n := utf8.DecodeRune(b[s.Pos:])
			if r == utf8.RuneError && n == 1 {
				s.Fail("invalid UTF-8")
				return escaped
			}
			s.Pos += n
		}
	}
}

// escape reads the escape whose backslash is at Pos.
func (s *Scanner) escape() bool {
	b := s.Data
	s.Pos++ // the backslash
	if s.EOF() {
		return false
	}
	switch b[s.Pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.Pos++
		return true
	case 'u':
	default:
		s.Fail("invalid escape")
		return false
	}
	r, ok := s.hex4()
	if !ok {
		return false
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		// A low surrogate with no high one before it. encoding/json
		// would decode U+FFFD; point at the escape's backslash.
		s.Pos -= len(`\uDC00`)
		s.Fail("unpaired surrogate escape")
		return false
	case r >= 0xD800 && r <= 0xDBFF:
		// A high surrogate must be followed at once by an escaped low
		// one; together they are one code point above U+FFFF.
		at := s.Pos
		if s.Pos+1 < len(b) && b[s.Pos] == '\\' && b[s.Pos+1] == 'u' {
			s.Pos++
			r2, ok := s.hex4()
			if !ok {
				return false // the second escape itself is broken
			}
			if r2 >= 0xDC00 && r2 <= 0xDFFF {
				return true
			}
		}
		s.Pos = at - len(`\uD800`)
		s.Fail("unpaired surrogate escape")
		return false
	}
	return true
}

// hex4 reads the "uXXXX" of an escape at Pos and returns its value.
func (s *Scanner) hex4() (rune, bool) {
	s.Pos++ // the u
	var r rune
	for range 4 {
		if s.EOF() {
			return 0, false
		}
		c := s.Data[s.Pos]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			s.Fail("invalid escape")
			return 0, false
		}
		s.Pos++
	}
	return r, true
}

// Number reads a number by the grammar of RFC 8259 section 6:
//
//	[ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
//
// so no leading '+', no leading zeros ("01"), no bare '.' or trailing
// '.', and no NaN or Infinity. It checks the spelling only; whether the
// value fits a destination is the caller's question.
func (s *Scanner) Number() bool {
	b := s.Data
	if b[s.Pos] == '-' {
		s.Pos++
	}
	if s.EOF() {
		return false
	}
	switch c := b[s.Pos]; {
	case c == '0':
		s.Pos++ // a leading zero is the whole integer part
	case c >= '1' && c <= '9':
		s.digits()
	default:
		s.Fail("unexpected character")
		return false
	}
	if s.Pos < len(b) && b[s.Pos] == '.' {
		s.Pos++
		if !s.someDigits() {
			return false
		}
	}
	if s.Pos < len(b) && (b[s.Pos] == 'e' || b[s.Pos] == 'E') {
		s.Pos++
		if s.Pos < len(b) && (b[s.Pos] == '+' || b[s.Pos] == '-') {
			s.Pos++
		}
		if !s.someDigits() {
			return false
		}
	}
	return true
}

// someDigits reads one or more digits.
func (s *Scanner) someDigits() bool {
	if s.EOF() {
		return false
	}
	if c := s.Data[s.Pos]; c < '0' || c > '9' {
		s.Fail("unexpected character")
		return false
	}
	s.digits()
	return true
}

// digits reads zero or more digits.
func (s *Scanner) digits() {
	for s.Pos < len(s.Data) && s.Data[s.Pos] >= '0' && s.Data[s.Pos] <= '9' {
		s.Pos++
	}
}

// ValidNumber reports whether b is exactly one number, nothing around it,
// as a json.Number in a string must be.
func ValidNumber(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	s := Scanner{Data: b}
	return s.Number() && s.Pos == len(b)
}
