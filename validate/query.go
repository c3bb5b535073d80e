package validate

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// qfield is a struct field filled from a query or path parameter.
type qfield struct {
	name   string
	index  []int
	path   bool // from r.PathValue rather than the query string
	slice  bool // repeated parameters
	ptr    bool // pointer to the value: nil when absent
	conv   qconv
	bits   int
	layout string
	elem   reflect.Type // the value type, after slice and pointer
}

type qconv uint8

const (
	qString qconv = iota
	qBool
	qInt
	qUint
	qFloat
	qTime
	qText
)

// queryFields lists the query and path fields of t, rejecting types it
// cannot fill.
func queryFields(t reflect.Type) ([]qfield, error) {
	var out []qfield
	names := map[string]bool{}
	for _, f := range reflect.VisibleFields(t) {
		qt, hasQ := f.Tag.Lookup("query")
		pt, hasP := f.Tag.Lookup("path")
		if !hasQ && !hasP {
			continue
		}
		if hasQ && hasP {
			return nil, fmt.Errorf("field %s has both query and path tags", f.Name)
		}
		if !f.IsExported() {
			return nil, fmt.Errorf("field %s is unexported", f.Name)
		}
		tag := qt
		if hasP {
			tag = pt
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			return nil, fmt.Errorf("field %s: empty parameter name", f.Name)
		}
		key := name
		if hasP {
			key = "path:" + name
		}
		if names[key] {
			return nil, fmt.Errorf("field %s: parameter %q named twice", f.Name, name)
		}
		names[key] = true
		q, err := newQField(f, name, hasP)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// newQField describes struct field f as the parameter name (a path
// value when path is set), refusing types a parameter cannot fill.
func newQField(f reflect.StructField, name string, path bool) (qfield, error) {
	q := qfield{name: name, index: f.Index, path: path}
	ft := f.Type
	if ft.Kind() == reflect.Slice && ft != reflect.TypeFor[[]byte]() && !reflect.PointerTo(ft).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		if path {
			return q, fmt.Errorf("field %s: a path parameter cannot be a slice", f.Name)
		}
		q.slice = true
		ft = ft.Elem()
	} else if ft.Kind() == reflect.Pointer {
		q.ptr = true
		ft = ft.Elem()
	}
	q.elem = ft
	switch {
	case ft == reflect.TypeFor[time.Time]():
		q.conv = qTime
		q.layout = f.Tag.Get("layout")
		if q.layout == "" {
			q.layout = time.RFC3339
		}
		ref := time.Date(2009, 11, 10, 23, 30, 0, 0, time.UTC)
		if ref.Format(q.layout) == q.layout {
			return q, fmt.Errorf("field %s: layout %q has no date or time elements", f.Name, q.layout)
		}
	case reflect.PointerTo(ft).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		q.conv = qText
	case ft.Kind() == reflect.String:
		q.conv = qString
	case ft.Kind() == reflect.Bool:
		q.conv = qBool
	case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Int64:
		if ft == reflect.TypeFor[time.Duration]() {
			return q, fmt.Errorf("field %s: time.Duration is not supported", f.Name)
		}
		q.conv, q.bits = qInt, ft.Bits()
	case ft.Kind() >= reflect.Uint && ft.Kind() <= reflect.Uint64:
		q.conv, q.bits = qUint, ft.Bits()
	case ft.Kind() == reflect.Float32 || ft.Kind() == reflect.Float64:
		q.conv, q.bits = qFloat, ft.Bits()
	default:
		return q, fmt.Errorf("field %s: type %s cannot hold a parameter", f.Name, f.Type)
	}
	if _, ok := f.Tag.Lookup("layout"); ok && q.conv != qTime {
		return q, fmt.Errorf("field %s: layout tag on a non-time field", f.Name)
	}
	return q, nil
}

// DecodeQuery fills dst, a pointer to a struct, from the request's query
// parameters (fields tagged query:"name") and path values (fields tagged
// path:"name"), then validates it. Path values come from the request
// itself, [http.Request.PathValue]: set by an [http.ServeMux] pattern, or
// by whatever adapts a Lambda event with [http.Request.SetPathValue]. The
// package imports no Lambda code.
//
// Supported field types are string, bool, the integer and float kinds,
// [time.Time] (parsed with the field's layout tag, RFC 3339 when absent),
// types implementing [encoding.TextUnmarshaler], pointers to any of these
// (nil when the parameter is absent, so `validate:"required"` on a *bool
// accepts false), and slices of them, filled from repeated parameters.
// Absent parameters leave fields untouched; after an [ErrMalformed] error
// dst may be partly filled.
//
// Problems are reported by parameter name. A value that cannot be
// converted, a parameter given twice for a non-slice field (HTTP parameter
// pollution) and, unless [Config.AllowUnknownQuery], a parameter no field
// names are a [*FieldErrors] wrapping [ErrMalformed] (400); an unparsable
// query string wraps [ErrMalformed]; rule failures are a [*FieldErrors]
// wrapping [ErrInvalid] (422).
//
// Behind API Gateway HTTP APIs (payload 2.0) repeated parameters arrive
// joined by commas unless the adapter rebuilds the query from
// rawQueryString; package lambdahttp does.
func (v *Validator) DecodeQuery(r *http.Request, dst any) error {
	err := v.decodeQuery(r, dst)
	v.report(r, "query", err)
	return err
}

func (v *Validator) decodeQuery(r *http.Request, dst any) error {
	rv, e, err := v.target(dst)
	if err != nil {
		return err
	}
	values, perr := url.ParseQuery(r.URL.RawQuery)
	if perr != nil {
		return newError(ErrMalformed, "malformed query string")
	}
	var fe *FieldErrors
	known := 0 // query parameters that some field names
	for i := range e.query {
		q := &e.query[i]
		vals, ok := q.lookup(r, values)
		if !ok {
			continue
		}
		if !q.path {
			known++
		}
		if msg, rule := q.fill(rv.FieldByIndex(q.index), vals); msg != "" {
			fe = addMalformed(fe, q.name, rule, msg)
		}
	}
	if !v.allowUnknownQuery && known < len(values) {
		fe = unknownParams(fe, e.query, values)
	}
	if fe != nil {
		return fe
	}
	return v.validate(r.Context(), dst, rv.Type())
}

// addMalformed adds a decoding problem with parameter name to fe,
// starting one when fe is nil.
func addMalformed(fe *FieldErrors, name, rule, msg string) *FieldErrors {
	if fe == nil {
		fe = &FieldErrors{kind: ErrMalformed}
	}
	fe.add(FieldError{Field: clip(name), Rule: rule, Message: msg})
	return fe
}

// lookup returns the values given for q: its path value from the
// request's ServeMux pattern, or its query parameters. ok is false when
// the parameter is absent (an empty path value counts as absent).
func (q *qfield) lookup(r *http.Request, values url.Values) (vals []string, ok bool) {
	if q.path {
		s := r.PathValue(q.name)
		return []string{s}, s != ""
	}
	vals, ok = values[q.name]
	return vals, ok
}

// fill converts vals into field, returning the client message and rule
// of the first problem ("" when there is none). A parameter given twice
// for a field that holds one value is refused, not resolved to the first
// or last: that choice is where HTTP parameter pollution lives.
func (q *qfield) fill(field reflect.Value, vals []string) (msg, rule string) {
	switch {
	case !q.slice && len(vals) > 1:
		return "must be given only once", "repeated"
	case q.slice:
		s := reflect.MakeSlice(field.Type(), len(vals), len(vals))
		for j, raw := range vals {
			if msg := q.set(s.Index(j), raw); msg != "" {
				return msg, "type"
			}
		}
		field.Set(s)
	case q.ptr:
		p := reflect.New(q.elem)
		if msg := q.set(p.Elem(), vals[0]); msg != "" {
			return msg, "type"
		}
		field.Set(p)
	default:
		if msg := q.set(field, vals[0]); msg != "" {
			return msg, "type"
		}
	}
	return "", ""
}

// unknownParams adds a problem for each query parameter no field names,
// in name order, so that when more than maxFieldErrors are unknown the
// same ones are listed every time; then it sorts all problems by name.
func unknownParams(fe *FieldErrors, fields []qfield, values url.Values) *FieldErrors {
	names := make(map[string]bool, len(fields))
	for _, q := range fields {
		if !q.path {
			names[q.name] = true
		}
	}
	var unknown []string
	for name := range values {
		if !names[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		fe = addMalformed(fe, name, "unknown", "is not an allowed parameter")
	}
	sortFieldErrors(fe)
	return fe
}

// set converts raw into dst, returning a client message on failure.
func (q *qfield) set(dst reflect.Value, raw string) string {
	switch q.conv {
	case qString:
		if !utf8.ValidString(raw) {
			return "must be valid UTF-8"
		}
		dst.SetString(raw)
	case qBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return "must be true or false"
		}
		dst.SetBool(b)
	case qInt:
		n, err := strconv.ParseInt(raw, 10, q.bits)
		if err != nil {
			return "must be an integer" + rangeHint(err)
		}
		dst.SetInt(n)
	case qUint:
		n, err := strconv.ParseUint(raw, 10, q.bits)
		if err != nil {
			return "must be a non-negative integer" + rangeHint(err)
		}
		dst.SetUint(n)
	case qFloat:
		f, err := strconv.ParseFloat(raw, q.bits)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return "must be a finite number"
		}
		dst.SetFloat(f)
	case qTime:
		t, err := time.Parse(q.layout, raw)
		if err != nil {
			return "must be a time in the form " + layoutText(q.layout)
		}
		dst.Set(reflect.ValueOf(t))
	case qText:
		u := dst.Addr().Interface().(encoding.TextUnmarshaler)
		if err := u.UnmarshalText([]byte(raw)); err != nil {
			return "has an invalid value"
		}
	}
	return ""
}

func rangeHint(err error) string {
	if errors.Is(err, strconv.ErrRange) {
		return " in range"
	}
	return ""
}

// sortFieldErrors orders problems by field name so answers are stable.
func sortFieldErrors(fe *FieldErrors) {
	if fe != nil {
		slices.SortStableFunc(fe.Errors, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	}
}
