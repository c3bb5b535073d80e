package validate

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strconv"
	"time"

	"github.com/lambdasec/lambdasec/internal/strictjson"
)

// scanner checks a JSON document against a destination type before
// encoding/json decodes it. The token layer (whitespace, strings and
// escapes, UTF-8 and surrogates, numbers, depth) is the library's one
// strict reader, shared with jwtauth; this file adds what depends on the
// destination: exact member names, duplicates reported with their path
// instead of stopping, and values that do not fit their field.
//
// Two kinds of problem are kept apart. A syntax or depth error is the
// embedded Scanner's Err: it stops the scan, since nothing after it can be
// located. A field problem (wrong type, unknown or duplicate member) goes
// to errs and the scan goes on, so the client sees all of them at once.
type scanner struct {
	strictjson.Scanner
	errs *FieldErrors
	path []seg
}

// seg is one step of the path to the current value.
type seg struct {
	key   []byte
	idx   int
	isIdx bool
	inMap bool
}

// scan checks the whole of d.Data as one JSON object for t.
func (d *scanner) scan(t *jtype) error {
	d.SkipSpace()
	if d.Pos == len(d.Data) {
		return newError(ErrMalformed, "request body is empty")
	}
	switch d.Data[d.Pos] {
	case '{':
	case 'n':
		return newError(ErrMalformed, "request body must be a JSON object, not null")
	default:
		return newError(ErrMalformed, "request body must be a JSON object")
	}
	d.value(t)
	if d.Err == nil {
		d.SkipSpace()
		if d.Pos < len(d.Data) {
			d.Fail("unexpected data after the JSON value")
		}
	}
	if d.Err != nil {
		return syntaxError(d.Err)
	}
	if d.errs != nil {
		return d.errs
	}
	return nil
}

// syntaxError phrases a fatal scan error for the client: its offset and
// what was expected, never the bytes found.
func syntaxError(err error) error {
	var de *strictjson.DepthError
	if errors.As(err, &de) {
		return newError(ErrMalformed, de.Error())
	}
	return newError(ErrMalformed, "malformed JSON: "+err.Error())
}

// fieldErr records a problem with the current value.
func (d *scanner) fieldErr(rule, msg string) {
	if d.errs == nil {
		d.errs = &FieldErrors{kind: ErrMalformed}
	}
	if len(d.errs.Errors) >= maxFieldErrors {
		return // full: skip building the path
	}
	d.errs.add(FieldError{Field: d.pathString(), Rule: rule, Message: msg})
}

// pathString spells the current path as a client reads it:
// "items[2].qty", map keys in brackets.
func (d *scanner) pathString() string {
	var b []byte
	for _, s := range d.path {
		switch {
		case s.isIdx:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.idx), 10)
			b = append(b, ']')
		case s.inMap:
			b = append(b, '[')
			b = append(b, s.key...)
			b = append(b, ']')
		default:
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, s.key...)
		}
	}
	return clip(string(b))
}

// typeError reports that the current value does not fit t.
func (d *scanner) typeError(t *jtype) {
	d.fieldErr("type", expected(t))
}

func expected(t *jtype) string {
	switch t.kind {
	case kString:
		return "must be a string"
	case kBool:
		return "must be true or false"
	case kInt, kUint:
		return "must be an integer"
	case kFloat, kNumber:
		return "must be a number"
	case kBytes:
		return "must be a base64 string"
	case kStruct, kMap:
		return "must be an object"
	case kSlice:
		return "must be an array"
	case kUnsupported:
		return "cannot be set"
	}
	if t.rtype == reflect.TypeFor[time.Time]() {
		return "must be an RFC 3339 date-time"
	}
	return "has an invalid value"
}

// value scans one value at d.Pos, checking it against t. A nil t accepts
// any value: it is how the scan walks the inside of a member that is
// unknown or of the wrong type, still finding syntax errors and
// duplicates there.
func (d *scanner) value(t *jtype) {
	d.SkipSpace()
	if d.EOF() {
		return
	}
	start := d.Pos
	// The first byte names the JSON kind. A container of the wrong kind
	// is reported once, here, and then walked with a nil type: its
	// contents are not checked against anything, but a syntax error or
	// a duplicate inside it still counts.
	switch c := d.Data[d.Pos]; {
	case c == '{':
		if t != nil && t.kind != kStruct && t.kind != kMap && t.kind != kAny && t.kind != kUnmarshaler {
			d.typeError(t)
			t = nil
		}
		d.object(t)
	case c == '[':
		if t != nil && t.kind != kSlice && t.kind != kAny && t.kind != kUnmarshaler {
			d.typeError(t)
			t = nil
		}
		d.array(t)
	case c == '"':
		d.stringValue(t, start)
	case c == 't' || c == 'f':
		d.boolValue(t, c)
	case c == 'n':
		d.Literal("null") // null fits every type: encoding/json leaves the value alone
		return
	case c == '-' || (c >= '0' && c <= '9'):
		if d.Number() && t != nil {
			d.checkNumber(t, d.Data[start:d.Pos])
		}
	default:
		d.Fail("unexpected character")
		return
	}
	// A type with its own UnmarshalJSON decides for itself what fits.
	// It is run here, on the value's exact bytes, so that a refusal is
	// reported at this path; encoding/json would give only a bare error
	// for the whole body.
	if d.Err == nil && t != nil && t.kind == kUnmarshaler && !checkUnmarshaler(t.rtype, d.Data[start:d.Pos]) {
		d.typeError(t)
	}
}

// stringValue scans the string at start and checks that it fits t: a
// plain string, base64 for []byte, a number for json.Number, or whatever
// the type's UnmarshalText accepts.
func (d *scanner) stringValue(t *jtype, start int) {
	escaped := d.String()
	if d.Err != nil || t == nil {
		return
	}
	lit := d.Data[start:d.Pos]
	switch t.kind {
	case kString, kAny, kUnmarshaler:
	case kBytes:
		// An escaped string is left to encoding/json: base64 has no
		// character that needs escaping, so only an odd client sends one.
		if !escaped {
			if _, err := base64.StdEncoding.AppendDecode(nil, lit[1:len(lit)-1]); err != nil {
				d.typeError(t)
			}
		}
	case kNumber:
		if !escaped && !strictjson.ValidNumber(lit[1:len(lit)-1]) {
			d.typeError(t)
		}
	case kText:
		if !checkText(t.rtype, lit, escaped) {
			d.typeError(t)
		}
	default:
		d.typeError(t)
	}
}

// boolValue scans true or false (c is its first byte) for t.
func (d *scanner) boolValue(t *jtype, c byte) {
	lit := "true"
	if c == 'f' {
		lit = "false"
	}
	if d.Literal(lit) && t != nil && t.kind != kBool && t.kind != kAny && t.kind != kUnmarshaler {
		d.typeError(t)
	}
}

// checkNumber checks that the number num fits t as encoding/json would
// store it: integers in range for their bits, floats finite.
func (d *scanner) checkNumber(t *jtype, num []byte) {
	switch t.kind {
	case kNumber, kUnmarshaler:
	case kAny: // encoding/json makes a float64 of it
		if !fitsFloat(num, 64) {
			d.fieldErr("type", "is out of range")
		}
	case kInt:
		if !fitsInt(num, t.bits) {
			d.typeError(t)
		}
	case kUint:
		if !fitsUint(num, t.bits) {
			d.typeError(t)
		}
	case kFloat:
		if !fitsFloat(num, t.bits) {
			d.fieldErr("type", "is out of range")
		}
	default:
		d.typeError(t)
	}
}

// object scans the object at d.Pos for t: kStruct, kMap, or nil, kAny or
// kUnmarshaler for an object of any members. Each member's path step is
// pushed before its value is scanned, so problems inside are named.
func (d *scanner) object(t *jtype) {
	if !d.Open('}') {
		return
	}
	var (
		fields seenFields       // a struct's members, by field ordinal
		names  strictjson.Names // any other object's, by name
	)
	if t != nil && t.kind == kStruct {
		fields.init(t.nf)
	}
	for {
		lit, escaped, ok := d.Name()
		if !ok {
			return
		}
		key := lit[1 : len(lit)-1]
		if escaped {
			key = strictjson.AppendUnquote(nil, lit)
		}
		var elem *jtype
		if t != nil && t.kind == kStruct {
			elem = d.structMember(t, key, &fields)
		} else {
			elem = d.anyMember(t, key, &names)
		}
		if !d.element(elem, '}') {
			return
		}
	}
}

// structMember pushes the path step for the member key of struct t and
// returns the type its value must have, nil when it has none (unknown or
// repeated: the value is still scanned, for syntax).
func (d *scanner) structMember(t *jtype, key []byte, fields *seenFields) *jtype {
	d.path = append(d.path, seg{key: key})
	f, ok := t.fields[string(key)]
	switch {
	case !ok:
		// Exact match only: encoding/json would also take "EMAIL" for
		// "email", a gap between what a gateway checks and what the
		// handler sees.
		d.fieldErr("unknown", "is not an allowed field")
		return nil
	case fields.add(f.ord):
		d.fieldErr("duplicate", "appears more than once")
		return nil
	case !f.quoted:
		return f.typ
	}
	// `json:",string"`: the value must be a string (or null) and
	// encoding/json checks what is inside it.
	if !d.quotedOK() {
		d.typeError(&jtype{kind: kString})
		return nil
	}
	return &jtype{kind: kString}
}

// anyMember pushes the path step for the member key of a map or generic
// object t (nil for one being walked only for syntax) and returns the
// type of its value.
func (d *scanner) anyMember(t *jtype, key []byte, names *strictjson.Names) *jtype {
	d.path = append(d.path, seg{key: key, inMap: t != nil && t.kind == kMap})
	if names.Add(key) {
		d.fieldErr("duplicate", "appears more than once")
	}
	switch {
	case t == nil:
		return nil
	case t.kind == kMap:
		if !checkKey(t.key, key) {
			d.fieldErr("type", "has an invalid key")
		}
		return t.elem
	case t.kind == kAny:
		return t // interface{} holds map[string]any of any
	}
	return nil
}

// seenFields records which fields of one struct object have appeared: a
// bit mask for the first 64, a slice beyond.
type seenFields struct {
	mask uint64
	big  []bool
}

func (s *seenFields) init(n int) {
	if n > 64 {
		s.big = make([]bool, n)
	}
}

// add marks field ord and reports whether it was already marked.
func (s *seenFields) add(ord int) (dup bool) {
	if ord < 64 {
		dup = s.mask&(1<<ord) != 0
		s.mask |= 1 << ord
		return dup
	}
	dup = s.big[ord]
	s.big[ord] = true
	return dup
}

// quotedOK reports whether the next value is a string or null, as a
// `json:",string"` field needs; encoding/json checks its content.
func (d *scanner) quotedOK() bool {
	d.SkipSpace()
	return d.Pos < len(d.Data) && (d.Data[d.Pos] == '"' || d.Data[d.Pos] == 'n')
}

// array scans the array at d.Pos for t: kSlice (a Go array refuses
// elements past its length, which encoding/json would drop), kAny, or
// nil.
func (d *scanner) array(t *jtype) {
	if !d.Open(']') {
		return
	}
	var elem *jtype
	limit := -1
	switch {
	case t == nil:
	case t.kind == kSlice:
		elem, limit = t.elem, t.arrayLen
	case t.kind == kAny:
		elem = t // interface{} holds []any of any
	}
	for i := 0; ; i++ {
		// One element past a Go array's length is reported, and the
		// rest are walked untyped: encoding/json would drop them
		// silently, so the client would never learn they were ignored.
		if i == limit {
			d.fieldErr("type", "must have at most "+strconv.Itoa(limit)+" items")
			elem = nil
		}
		d.path = append(d.path, seg{idx: i, isIdx: true})
		if !d.element(elem, ']') {
			return
		}
	}
}

// element scans the value at the current path step, pops the step, and
// reads the separator after it. It reports whether another follows; at
// the end of the container it leaves it.
func (d *scanner) element(elem *jtype, end byte) bool {
	d.value(elem)
	d.path = d.path[:len(d.path)-1]
	if d.Err != nil {
		return false
	}
	if d.Next(end) {
		return true
	}
	d.Close()
	return false
}
