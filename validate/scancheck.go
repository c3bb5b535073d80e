package validate

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/lambdasec/lambdasec/internal/strictjson"
)

// This file answers, for a scalar the scanner has already found to be
// valid JSON, whether encoding/json would store it in the destination
// without an error, so that a misfit is reported with its field path.

// fitsInt reports whether the JSON number b is an integer that fits in a
// signed integer of the given bits, as encoding/json requires.
func fitsInt(b []byte, bits int) bool {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	limit := uint64(1) << (bits - 1)
	if !neg {
		limit--
	}
	return fitsDigits(b, limit)
}

func fitsUint(b []byte, bits int) bool {
	if b[0] == '-' {
		return false
	}
	limit := uint64(1)<<bits - 1
	if bits == 64 {
		limit = ^uint64(0)
	}
	return fitsDigits(b, limit)
}

// fitsDigits reports whether b is plain decimal digits no greater than
// limit: a fraction or exponent ("1.0", "1e2") is not an integer to
// encoding/json.
func fitsDigits(b []byte, limit uint64) bool {
	if len(b) == 0 {
		return false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		d := uint64(c - '0')
		if n > (limit-d)/10 {
			return false
		}
		n = n*10 + d
	}
	return true
}

// fitsFloat reports whether b is within range for a float of bits. Only
// numbers with an exponent or many digits can overflow, so the common
// case skips strconv.
func fitsFloat(b []byte, bits int) bool {
	hasExp := false
	for _, c := range b {
		if c == 'e' || c == 'E' {
			hasExp = true
			break
		}
	}
	if !hasExp && len(b) < 38 {
		return true
	}
	_, err := strconv.ParseFloat(string(b), bits)
	return err == nil
}

// checkKey reports whether a member name is a valid key for a Go map with
// keys of kind kt.
func checkKey(kt *jtype, key []byte) bool {
	switch kt.kind {
	case kInt:
		return len(key) > 0 && fitsInt(key, kt.bits) && (key[0] != '-' || len(key) > 1)
	case kUint:
		return len(key) > 0 && fitsUint(key, kt.bits)
	case kText:
		u, ok := reflect.New(kt.rtype).Interface().(encoding.TextUnmarshaler)
		return ok && u.UnmarshalText(key) == nil
	}
	return true
}

// checkText runs t's UnmarshalText on the string literal lit, so a bad
// value is reported with its field rather than as an anonymous error.
func checkText(t reflect.Type, lit []byte, escaped bool) bool {
	u, ok := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if !ok {
		return true
	}
	s := lit[1 : len(lit)-1]
	if escaped {
		s = strictjson.AppendUnquote(nil, lit)
	}
	return u.UnmarshalText(s) == nil
}

// checkUnmarshaler runs t's UnmarshalJSON on raw for the same reason.
func checkUnmarshaler(t reflect.Type, raw []byte) bool {
	u, ok := reflect.New(t).Interface().(json.Unmarshaler)
	if !ok {
		return true
	}
	return u.UnmarshalJSON(raw) == nil
}
