package jwtauth

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/lambdasec/lambdasec/internal/strictjson"
)

// This file reads JOSE headers and claim sets with the library's one
// strict JSON reader (internal/strictjson, shared with validate).
// encoding/json is not used for them directly because it keeps the last of
// duplicate members, turns invalid UTF-8 and unpaired surrogate escapes
// into U+FFFD and accepts quoted numbers for json.Number, each a parser
// differential an attacker can use (RFC 7519 §4, RFC 8725 §2.5).

var errJSON = errors.New("invalid JSON")

const maxJSONDepth = 32

// members calls fn for each member of the top-level JSON object in b. b
// must be exactly one strict JSON object (valid UTF-8, no unpaired
// surrogate escape) with no duplicate names at any depth, compared after
// unescaping.
func members(b []byte, fn func(name, val []byte) error) error {
	return strictjson.Members(b, maxJSONDepth, fn)
}

// jsonString decodes a raw JSON string value; anything else is an error.
func jsonString(raw []byte) (string, error) {
	v, ok := strictjson.Unquote(raw)
	if !ok {
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
	s := strictjson.Scanner{Data: raw}
	escaped := s.String()
	switch {
	case s.Err != nil || s.Pos != len(raw):
		return nil, errJSON
	case escaped:
		return strictjson.AppendUnquote(nil, raw), nil
	}
	return raw[1 : len(raw)-1], nil
}

// jsonStrings decodes a string or an array of strings (the forms of "aud").
func jsonStrings(raw []byte) ([]string, error) {
	if len(raw) > 0 && raw[0] == '[' {
		out := []string{}
		err := strictjson.Elements(raw, maxJSONDepth, func(v []byte) error {
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
	if len(raw) == 0 || raw[0] < '0' || raw[0] > '9' || !strictjson.ValidNumber(raw) {
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
