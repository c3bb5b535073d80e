package validate

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
)

// scanner checks a JSON document against a destination type before
// encoding/json decodes it, adding what encoding/json v1 lets through:
// duplicate and case-variant member names, invalid UTF-8 and lone
// surrogates (which it silently replaces), nesting depth, and type
// mismatches reported with their full path. A syntax error stops the
// scan; field problems are collected so the client sees all of them.
type scanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	fatal    error
	errs     *FieldErrors
	path     []seg
	keys     [][]byte // member names of the open generic objects
}

// seg is one step of the path to the current value.
type seg struct {
	key   []byte
	idx   int
	isIdx bool
	inMap bool
}

// scan checks the whole of d.data as one JSON object for t.
func (d *scanner) scan(t *jtype) error {
	d.skipWS()
	if d.pos == len(d.data) {
		return newError(ErrMalformed, "request body is empty")
	}
	switch d.data[d.pos] {
	case '{':
	case 'n':
		return newError(ErrMalformed, "request body must be a JSON object, not null")
	default:
		return newError(ErrMalformed, "request body must be a JSON object")
	}
	d.value(t)
	if d.fatal == nil {
		d.skipWS()
		if d.pos < len(d.data) {
			d.syntax("unexpected data after the JSON value at byte ")
		}
	}
	if d.fatal != nil {
		return d.fatal
	}
	if d.errs != nil {
		return d.errs
	}
	return nil
}

func (d *scanner) syntax(msg string) {
	if d.fatal == nil {
		d.fatal = newError(ErrMalformed, "malformed JSON: "+msg+strconv.Itoa(d.pos))
	}
}

func (d *scanner) eof() bool {
	if d.pos >= len(d.data) {
		d.syntax("unexpected end of input at byte ")
		return true
	}
	return false
}

func (d *scanner) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
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

// value scans one value at d.pos, checking it against t (nil: any value).
func (d *scanner) value(t *jtype) {
	d.skipWS()
	if d.eof() {
		return
	}
	start := d.pos
	switch c := d.data[d.pos]; {
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
		escaped := d.str()
		if d.fatal != nil || t == nil {
			return
		}
		switch t.kind {
		case kString, kAny, kUnmarshaler:
		case kBytes:
			if !escaped {
				raw := d.data[start+1 : d.pos-1]
				if _, err := base64.StdEncoding.AppendDecode(nil, raw); err != nil {
					d.typeError(t)
				}
			}
		case kNumber:
			if !escaped && !validNumber(d.data[start+1:d.pos-1]) {
				d.typeError(t)
			}
		case kText:
			if !checkText(t.rtype, d.data[start:d.pos], escaped) {
				d.typeError(t)
			}
		default:
			d.typeError(t)
		}
	case c == 't' || c == 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if !d.literal(lit) {
			return
		}
		if t != nil && t.kind != kBool && t.kind != kAny && t.kind != kUnmarshaler {
			d.typeError(t)
		}
	case c == 'n':
		d.literal("null") // null fits every type: encoding/json leaves the value alone
		return
	case c == '-' || (c >= '0' && c <= '9'):
		if !d.number() || t == nil {
			return
		}
		num := d.data[start:d.pos]
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
	default:
		d.syntax("unexpected character at byte ")
		return
	}
	if d.fatal == nil && t != nil && t.kind == kUnmarshaler && !checkUnmarshaler(t.rtype, d.data[start:d.pos]) {
		d.typeError(t)
	}
}

func (d *scanner) literal(lit string) bool {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		for i := 0; i < len(lit) && d.pos < len(d.data) && d.data[d.pos] == lit[i]; i++ {
			d.pos++
		}
		if !d.eof() {
			d.syntax("unexpected character at byte ")
		}
		return false
	}
	d.pos += len(lit)
	return true
}

// number scans a number per RFC 8259 §6.
func (d *scanner) number() bool {
	b := d.data
	if b[d.pos] == '-' {
		d.pos++
	}
	if d.eof() {
		return false
	}
	switch c := b[d.pos]; {
	case c == '0':
		d.pos++
	case c >= '1' && c <= '9':
		for d.pos < len(b) && b[d.pos] >= '0' && b[d.pos] <= '9' {
			d.pos++
		}
	default:
		d.syntax("unexpected character at byte ")
		return false
	}
	if d.pos < len(b) && b[d.pos] == '.' {
		d.pos++
		if !d.digits() {
			return false
		}
	}
	if d.pos < len(b) && (b[d.pos] == 'e' || b[d.pos] == 'E') {
		d.pos++
		if d.pos < len(b) && (b[d.pos] == '+' || b[d.pos] == '-') {
			d.pos++
		}
		if !d.digits() {
			return false
		}
	}
	return true
}

func (d *scanner) digits() bool {
	if d.eof() {
		return false
	}
	if c := d.data[d.pos]; c < '0' || c > '9' {
		d.syntax("unexpected character at byte ")
		return false
	}
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	return true
}

// str scans a string starting at the opening quote, rejecting control
// characters, bad escapes, lone surrogates and invalid UTF-8. It reports
// whether the string holds escapes.
func (d *scanner) str() (escaped bool) {
	b := d.data
	d.pos++
	for {
		if d.eof() {
			return
		}
		c := b[d.pos]
		switch {
		case c == '"':
			d.pos++
			return
		case c == '\\':
			escaped = true
			if !d.escape() {
				return
			}
		case c < 0x20:
			d.syntax("control character in string at byte ")
			return
		case c < utf8.RuneSelf:
			d.pos++
		default:
			r, n := utf8.DecodeRune(b[d.pos:])
			if r == utf8.RuneError && n == 1 {
				d.syntax("invalid UTF-8 at byte ")
				return
			}
			d.pos += n
		}
	}
}

func (d *scanner) escape() bool {
	b := d.data
	d.pos++ // the backslash
	if d.eof() {
		return false
	}
	switch b[d.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		d.pos++
		return true
	case 'u':
	default:
		d.syntax("invalid escape at byte ")
		return false
	}
	r, ok := d.hex4()
	if !ok {
		return false
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		d.pos -= 6
		d.syntax("unpaired surrogate escape at byte ")
		return false
	case r >= 0xD800 && r <= 0xDBFF:
		at := d.pos
		if d.pos+1 < len(b) && b[d.pos] == '\\' && b[d.pos+1] == 'u' {
			d.pos++
			if r2, ok := d.hex4(); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
				return true
			} else if !ok {
				return false
			}
		}
		d.pos = at - 6
		d.syntax("unpaired surrogate escape at byte ")
		return false
	}
	return true
}

// hex4 reads "uXXXX" at d.pos.
func (d *scanner) hex4() (rune, bool) {
	d.pos++ // the u
	var r rune
	for range 4 {
		if d.eof() {
			return 0, false
		}
		c := d.data[d.pos]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			d.syntax("invalid escape at byte ")
			return 0, false
		}
		d.pos++
	}
	return r, true
}

func (d *scanner) enter() bool {
	d.depth++
	if d.depth > d.maxDepth {
		if d.fatal == nil {
			d.fatal = newError(ErrMalformed, "JSON nests more than "+strconv.Itoa(d.maxDepth)+" levels deep at byte "+strconv.Itoa(d.pos))
		}
		return false
	}
	return true
}

// object scans an object at d.pos for t (kStruct, kMap, or nil/kAny/
// kUnmarshaler for a generic object).
func (d *scanner) object(t *jtype) {
	if !d.open('}') {
		return
	}
	defer func() { d.depth-- }()
	var (
		mask    uint64
		seenBig []bool
		keyBase = len(d.keys)
		keySet  map[string]struct{}
	)
	if t != nil && t.kind == kStruct && t.nf > 64 {
		seenBig = make([]bool, t.nf)
	}
	defer func() { d.keys = d.keys[:keyBase] }()
	for {
		d.skipWS()
		if d.eof() {
			return
		}
		if d.data[d.pos] != '"' {
			d.syntax("expected a member name at byte ")
			return
		}
		kstart := d.pos
		escaped := d.str()
		if d.fatal != nil {
			return
		}
		key := d.data[kstart+1 : d.pos-1]
		if escaped {
			key = unescape(d.data[kstart:d.pos])
		}
		d.skipWS()
		if d.eof() {
			return
		}
		if d.data[d.pos] != ':' {
			d.syntax("expected ':' at byte ")
			return
		}
		d.pos++

		var elem *jtype
		s := seg{key: key}
		switch {
		case t != nil && t.kind == kStruct:
			f, ok := t.fields[string(key)]
			d.path = append(d.path, s)
			switch {
			case !ok:
				// Exact match only: encoding/json would also take
				// "EMAIL" for "email", a gap between what a gateway
				// checks and what the handler sees.
				d.fieldErr("unknown", "is not an allowed field")
			case f.ord < 64 && mask&(1<<f.ord) != 0, f.ord >= 64 && seenBig[f.ord]:
				d.fieldErr("duplicate", "appears more than once")
			default:
				if f.ord < 64 {
					mask |= 1 << f.ord
				} else {
					seenBig[f.ord] = true
				}
				elem = f.typ
				if f.quoted && !d.quotedOK() {
					d.typeError(&jtype{kind: kString})
					elem = nil
				} else if f.quoted {
					elem = &jtype{kind: kString}
				}
			}
		default:
			s.inMap = t != nil && t.kind == kMap
			d.path = append(d.path, s)
			if keySet == nil && len(d.keys)-keyBase >= 16 {
				keySet = make(map[string]struct{}, 32)
				for _, k := range d.keys[keyBase:] {
					keySet[string(k)] = struct{}{}
				}
			}
			dup := false
			if keySet != nil {
				_, dup = keySet[string(key)]
				keySet[string(key)] = struct{}{}
			} else {
				for _, k := range d.keys[keyBase:] {
					if string(k) == string(key) {
						dup = true
						break
					}
				}
				d.keys = append(d.keys, key)
			}
			if dup {
				d.fieldErr("duplicate", "appears more than once")
			}
			switch {
			case t == nil:
			case t.kind == kMap:
				if !checkKey(t.key, key) {
					d.fieldErr("type", "has an invalid key")
				}
				elem = t.elem
			case t.kind == kAny:
				elem = t // interface{} holds map[string]any of any
			}
		}
		if !d.element(elem, '}') {
			return
		}
	}
}

// quotedOK reports whether the next value is a string or null, as a
// `json:",string"` field needs; encoding/json checks its content.
func (d *scanner) quotedOK() bool {
	d.skipWS()
	return d.pos < len(d.data) && (d.data[d.pos] == '"' || d.data[d.pos] == 'n')
}

func (d *scanner) array(t *jtype) {
	if !d.open(']') {
		return
	}
	defer func() { d.depth-- }()
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

// open enters the object or array at d.pos, counting its depth. It
// reports false when there is nothing to scan inside: the container is
// empty (consumed, depth restored) or the depth limit was hit (a fatal
// error, so the depth no longer matters). On true the caller must
// decrement d.depth when done.
func (d *scanner) open(end byte) bool {
	if !d.enter() {
		return false
	}
	d.pos++
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == end {
		d.pos++
		d.depth--
		return false
	}
	return true
}

// element scans the value at the current path step, pops the step, and
// consumes the separator after it. It reports whether another follows.
func (d *scanner) element(elem *jtype, end byte) bool {
	d.value(elem)
	d.path = d.path[:len(d.path)-1]
	if d.fatal != nil {
		return false
	}
	d.skipWS()
	if d.eof() {
		return false
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return true
	case end:
		d.pos++
		return false
	}
	d.syntax("expected ',' or '" + string(end) + "' at byte ")
	return false
}

// unescape decodes a JSON string literal already known to be valid.
func unescape(lit []byte) []byte {
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return lit
	}
	return []byte(s)
}

func validNumber(b []byte) bool {
	d := scanner{data: b, maxDepth: 1}
	if len(b) == 0 || !d.number() {
		return false
	}
	return d.pos == len(b)
}

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
	n, ok := parseDigits(b, limit)
	_ = n
	return ok
}

func fitsUint(b []byte, bits int) bool {
	if b[0] == '-' {
		return false
	}
	limit := uint64(1)<<bits - 1
	if bits == 64 {
		limit = ^uint64(0)
	}
	_, ok := parseDigits(b, limit)
	return ok
}

// parseDigits parses plain decimal digits no greater than limit.
func parseDigits(b []byte, limit uint64) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false // fraction or exponent
		}
		d := uint64(c - '0')
		if n > (limit-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
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
		s = unescape(lit)
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
