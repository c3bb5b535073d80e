package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file holds the small JSON reader used for JOSE headers and claim
// sets. encoding/json is not used for them directly because it keeps the
// last of duplicate members, matches member names case-insensitively and
// accepts quoted numbers for json.Number, each a parser differential an
// attacker can use (RFC 7519 §4, RFC 8725 §2.5).

var errJSON = errors.New("invalid JSON")

const maxJSONDepth = 32

// scanner walks one JSON text, rejecting syntax errors and duplicate
// member names (compared after unescaping) at every depth.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// str scans a string starting at s.i and returns its raw bytes, quotes
// included, and whether it contains escapes.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	start := s.i
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, errJSON
	}
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start:s.i], escaped, nil
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return nil, false, errJSON
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if s.i+5 > len(s.b) {
					return nil, false, errJSON
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return nil, false, errJSON
					}
				}
				s.i += 5
			default:
				return nil, false, errJSON
			}
		case c < 0x20:
			return nil, false, errJSON
		default:
			s.i++
		}
	}
	return nil, false, errJSON
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// value scans any JSON value and returns its raw bytes.
func (s *scanner) value(depth int) ([]byte, error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, errJSON
	}
	start := s.i
	switch c := s.b[s.i]; {
	case c == '{':
		if err := s.object(depth+1, nil); err != nil {
			return nil, err
		}
	case c == '[':
		if err := s.array(depth+1, nil); err != nil {
			return nil, err
		}
	case c == '"':
		if _, _, err := s.str(); err != nil {
			return nil, err
		}
	case c == '-' || c >= '0' && c <= '9':
		for s.i < len(s.b) && bytes.IndexByte([]byte("+-.eE0123456789"), s.b[s.i]) >= 0 {
			s.i++
		}
		if !json.Valid(s.b[start:s.i]) {
			return nil, errJSON
		}
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
				s.i += len(lit)
				return s.b[start:s.i], nil
			}
		}
		return nil, errJSON
	}
	return s.b[start:s.i], nil
}

// object scans an object, calling fn (when not nil) with each member's
// unescaped name and raw value.
func (s *scanner) object(depth int, fn func(name, val []byte) error) error {
	if depth > maxJSONDepth {
		return errJSON
	}
	s.i++ // '{'
	var buf [16][]byte
	names := buf[:0]
	var set map[string]struct{}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		raw, escaped, err := s.str()
		if err != nil {
			return err
		}
		name := raw[1 : len(raw)-1]
		if escaped {
			var u string
			if json.Unmarshal(raw, &u) != nil {
				return errJSON
			}
			name = []byte(u)
		}
		// Duplicate names: a linear scan for the usual handful of members,
		// a set past that so a hostile object stays linear.
		if set == nil && len(names) < 16 {
			for _, n := range names {
				if bytes.Equal(n, name) {
					return errDuplicate
				}
			}
			names = append(names, name)
		} else {
			if set == nil {
				set = make(map[string]struct{}, 32)
				for _, n := range names {
					set[string(n)] = struct{}{}
				}
			}
			if _, dup := set[string(name)]; dup {
				return errDuplicate
			}
			set[string(name)] = struct{}{}
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errJSON
		}
		s.i++
		val, err := s.value(depth)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(name, val); err != nil {
				return err
			}
		}
		if end, err := s.separator('}'); end || err != nil {
			return err
		}
	}
}

// separator consumes the ',' between members or elements, or the closing
// byte, reporting whether the container ended.
func (s *scanner) separator(closing byte) (end bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return false, errJSON
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, nil
	case closing:
		s.i++
		return true, nil
	}
	return false, errJSON
}

// array scans an array, calling fn (when not nil) with each raw element.
func (s *scanner) array(depth int, fn func(val []byte) error) error {
	if depth > maxJSONDepth {
		return errJSON
	}
	s.i++ // '['
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		val, err := s.value(depth)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(val); err != nil {
				return err
			}
		}
		if end, err := s.separator(']'); end || err != nil {
			return err
		}
	}
}

var errDuplicate = errors.New("duplicate member name")

// members calls fn for each member of the top-level JSON object in b. b
// must be valid UTF-8 holding exactly one object with no duplicate names
// at any depth.
func members(b []byte, fn func(name, val []byte) error) error {
	if !utf8.Valid(b) {
		return errJSON
	}
	s := scanner{b: b}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return errJSON
	}
	if err := s.object(1, fn); err != nil {
		return err
	}
	s.ws()
	if s.i != len(s.b) {
		return errJSON
	}
	return nil
}

// jsonString decodes a raw JSON string value; anything else is an error.
func jsonString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", errJSON
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errJSON
	}
	return v, nil
}

// jsonBytes is jsonString without a copy when there are no escapes; the
// result may alias raw.
func jsonBytes(raw []byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, errJSON
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	v, err := jsonString(raw)
	return []byte(v), err
}

// jsonStrings decodes a string or an array of strings (the forms of "aud").
func jsonStrings(raw []byte) ([]string, error) {
	if len(raw) > 0 && raw[0] == '[' {
		out := []string{}
		s := scanner{b: raw}
		err := s.array(1, func(v []byte) error {
			str, err := jsonString(v)
			out = append(out, str)
			return err
		})
		return out, err
	}
	v, err := jsonString(raw)
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later values are not dates a
// real issuer writes.
const maxNumericDate = 253402300799

// numericDate decodes an RFC 7519 NumericDate: a JSON number (never a
// string, null or boolean), finite, not negative, before the year 10000.
// Fractions are kept to the nanosecond.
func numericDate(raw []byte) (time.Time, error) {
	if len(raw) == 0 || raw[0] < '0' || raw[0] > '9' {
		return time.Time{}, errJSON
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		if n > maxNumericDate {
			return time.Time{}, errJSON
		}
		return time.Unix(n, 0), nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > maxNumericDate {
		return time.Time{}, errJSON
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
