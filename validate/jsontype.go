package validate

import (
	"encoding"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"time"
)

// jkind is what a Go type accepts from JSON, as encoding/json decides it.
type jkind uint8

const (
	kAny         jkind = iota // interface{}: any JSON value
	kString                   // string kinds
	kBool                     // bool
	kInt                      // signed integers of bits
	kUint                     // unsigned integers of bits
	kFloat                    // floats of bits
	kNumber                   // json.Number: a number, or a string holding one
	kBytes                    // []byte: a base64 string
	kStruct                   // struct: an object with known members
	kMap                      // map: an object with keys of key
	kSlice                    // slice or array: an array of elem
	kUnmarshaler              // json.Unmarshaler: checked by calling it
	kText                     // encoding.TextUnmarshaler: a string, checked by calling it
	kUnsupported              // channels, funcs, complex: never decodable
)

// jtype describes how one Go type decodes from JSON.
type jtype struct {
	kind   jkind
	bits   int
	rtype  reflect.Type
	elem   *jtype
	key    *jtype            // map keys: kString, kInt, kUint or kText
	fields map[string]jfield // kStruct: members by exact name
	nf     int               // kStruct: len(fields)
	// arrayLen is the length of a Go array; -1 for slices. encoding/json
	// silently drops elements beyond it.
	arrayLen int
}

type jfield struct {
	ord    int // position for duplicate tracking
	typ    *jtype
	quoted bool // `json:",string"`
}

// hasOwnDecoders reports whether decoding into t can call a type's
// UnmarshalJSON or UnmarshalText.
func (t *jtype) hasOwnDecoders(seen map[*jtype]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t.kind {
	case kUnmarshaler, kText:
		return !copiesInput(t.rtype)
	case kMap:
		if t.key != nil && t.key.kind == kText && !copiesInput(t.key.rtype) {
			return true
		}
	case kStruct:
		for _, f := range t.fields {
			if f.typ.hasOwnDecoders(seen) {
				return true
			}
		}
		return false
	}
	return t.elem.hasOwnDecoders(seen)
}

// copiesInput reports whether t is a standard type whose decoder is known
// not to keep the bytes it is given.
func copiesInput(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[time.Time](), reflect.TypeFor[json.RawMessage](),
		reflect.TypeFor[netip.Addr](), reflect.TypeFor[netip.Prefix](), reflect.TypeFor[netip.AddrPort]():
		return true
	}
	return false
}

// jsonTypeOf describes t. Recursive types are described once.
func jsonTypeOf(t reflect.Type) *jtype {
	return (&jbuilder{seen: map[reflect.Type]*jtype{}}).of(t)
}

type jbuilder struct{ seen map[reflect.Type]*jtype }

func (b *jbuilder) of(t reflect.Type) *jtype {
	if jt, ok := b.seen[t]; ok {
		return jt
	}
	if t.Kind() == reflect.Pointer {
		// encoding/json allocates and decodes into the element; null
		// leaves the pointer nil. The element's description is shared so
		// recursive types through pointers stay finite.
		jt := b.of(t.Elem())
		b.seen[t] = jt
		return jt
	}
	jt := &jtype{rtype: t, arrayLen: -1}
	b.seen[t] = jt
	if k, ok := ownKind(t); ok {
		jt.kind = k
		return jt
	}
	switch t.Kind() {
	case reflect.Interface:
		jt.kind = kAny
		if t.NumMethod() > 0 {
			jt.kind = kUnsupported
		}
	case reflect.String:
		jt.kind = kString
	case reflect.Bool:
		jt.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		jt.kind, jt.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		jt.kind, jt.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		jt.kind, jt.bits = kFloat, t.Bits()
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(reflect.TypeFor[json.Unmarshaler]()) &&
			!reflect.PointerTo(t.Elem()).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
			jt.kind = kBytes
			break
		}
		jt.kind, jt.elem = kSlice, b.of(t.Elem())
	case reflect.Array:
		jt.kind, jt.elem, jt.arrayLen = kSlice, b.of(t.Elem()), t.Len()
	case reflect.Map:
		jt.kind, jt.elem, jt.key = kMap, b.of(t.Elem()), mapKey(t.Key())
		if jt.key == nil {
			jt.kind = kUnsupported
		}
	case reflect.Struct:
		jt.kind = kStruct
		jt.fields = map[string]jfield{}
		for i, f := range structFields(t) {
			jt.fields[f.name] = jfield{ord: i, typ: b.of(f.typ), quoted: f.quoted}
		}
		jt.nf = len(jt.fields)
	default:
		jt.kind = kUnsupported
	}
	return jt
}

// ownKind reports the kind of a type that decodes itself, or that
// encoding/json treats specially: json.Number, json.Unmarshaler and
// encoding.TextUnmarshaler, in encoding/json's order of preference.
func ownKind(t reflect.Type) (jkind, bool) {
	pt := reflect.PointerTo(t)
	switch {
	case t == reflect.TypeFor[json.Number]():
		return kNumber, true
	case t.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[json.Unmarshaler]()):
		return kUnmarshaler, true
	case t.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		return kText, true
	}
	return 0, false
}

// mapKey describes a map key type, in encoding/json's order of
// preference; nil when encoding/json cannot decode into such a map.
func mapKey(kt reflect.Type) *jtype {
	switch {
	case reflect.PointerTo(kt).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		return &jtype{kind: kText, rtype: kt}
	case kt.Kind() == reflect.String:
		return &jtype{kind: kString, rtype: kt}
	case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Int64:
		return &jtype{kind: kInt, bits: kt.Bits(), rtype: kt}
	case kt.Kind() >= reflect.Uint && kt.Kind() <= reflect.Uintptr:
		return &jtype{kind: kUint, bits: kt.Bits(), rtype: kt}
	}
	return nil
}

// sfield is a JSON member of a struct after encoding/json's rules for
// embedded structs and name conflicts.
type sfield struct {
	name   string
	typ    reflect.Type
	depth  int
	tagged bool
	quoted bool
}

// structFields lists t's JSON members the way encoding/json does: exported
// fields, json:"-" skipped, untagged embedded structs flattened, and among
// fields sharing a name the shallowest wins, then the tagged one; a tie
// hides the name.
func structFields(t reflect.Type) []sfield {
	var all []sfield
	type level struct {
		t     reflect.Type
		depth int
	}
	queue := []level{{t, 0}}
	visited := map[reflect.Type]bool{}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if visited[cur.t] {
			continue
		}
		visited[cur.t] = true
		for i := range cur.t.NumField() {
			f := cur.t.Field(i)
			ft := f.Type
			if f.Anonymous {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if !f.IsExported() && ft.Kind() != reflect.Struct {
					continue
				}
			} else if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				queue = append(queue, level{ft, cur.depth + 1})
				continue
			}
			tagged := name != ""
			if name == "" {
				name = f.Name
			}
			all = append(all, sfield{name: name, typ: f.Type, depth: cur.depth, tagged: tagged, quoted: quotedOpt(opts, f.Type)})
		}
	}
	return dominantFields(all)
}

// quotedOpt reports whether the json tag options opts hold "string" for a
// field of type t that encoding/json then reads from a quoted value.
func quotedOpt(opts string, t reflect.Type) bool {
	for _, o := range strings.Split(opts, ",") {
		if o != "string" {
			continue
		}
		switch deref(t).Kind() {
		case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return true
		}
	}
	return false
}

// dominantFields keeps, among fields sharing a name, the one encoding/json
// would use, in the order the names first appeared.
func dominantFields(all []sfield) []sfield {
	byName := map[string][]sfield{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []sfield
	for _, name := range order {
		fs := byName[name]
		if f, ok := dominant(fs); ok {
			out = append(out, f)
		}
	}
	return out
}

func dominant(fs []sfield) (sfield, bool) {
	if len(fs) == 1 {
		return fs[0], true
	}
	min := fs[0].depth
	for _, f := range fs {
		if f.depth < min {
			min = f.depth
		}
	}
	var top []sfield
	for _, f := range fs {
		if f.depth == min {
			top = append(top, f)
		}
	}
	if len(top) == 1 {
		return top[0], true
	}
	var tagged []sfield
	for _, f := range top {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return sfield{}, false
}
