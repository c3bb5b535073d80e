package strictjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendUnquote appends the value of the string literal lit (quotes
// included) to dst. lit must be one that [Scanner.String] accepted: it
// relies on every escape being complete and every surrogate paired, and
// may panic otherwise. Use [Unquote] for text not yet scanned.
func AppendUnquote(dst, lit []byte) []byte {
	b := lit[1 : len(lit)-1]
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			// Copy the run up to the next escape in one append; the
			// scan already proved it valid UTF-8 without controls.
			j := i + 1
			for j < len(b) && b[j] != '\\' {
				j++
			}
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		switch b[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hexValue(b[i+2 : i+6])
			if utf16.IsSurrogate(r) {
				// The scan guarantees a low surrogate escape follows.
				r = utf16.DecodeRune(r, hexValue(b[i+8:i+12]))
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
			i += 6
			continue
		default: // '"', '\\' and '/' stand for themselves
			dst = append(dst, b[i+1])
		}
		i += 2
	}
	return dst
}

// hexValue is the value of four hex digits already checked by the scan.
func hexValue(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

// Unquote checks that lit is exactly one strict JSON string and returns
// its value. It fails on anything else, a number or null included.
func Unquote(lit []byte) (string, bool) {
	if len(lit) < 2 || lit[0] != '"' {
		return "", false
	}
	s := Scanner{Data: lit}
	escaped := s.String()
	if s.Err != nil || s.Pos != len(lit) {
		return "", false
	}
	if !escaped {
		return string(lit[1 : len(lit)-1]), true
	}
	return string(AppendUnquote(make([]byte, 0, len(lit)), lit)), true
}
