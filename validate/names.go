package validate

import (
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// This file turns Go names into the names a client uses: JSON, query and
// path tag names, JSON paths, and the field names inside cross-field rule
// parameters. An answer never shows a Go identifier.

// clientName is the name a client uses for a struct field: its query or
// path parameter name, else its JSON name. Embedded structs are flattened,
// as encoding/json does, and json:"-" fields have no name.
func clientName(f reflect.StructField) string {
	if n := tagName(f.Tag.Get("query")); n != "" {
		return n
	}
	if n := tagName(f.Tag.Get("path")); n != "" {
		return n
	}
	tag, ok := f.Tag.Lookup("json")
	if tag == "-" {
		return ""
	}
	if n := tagName(tag); n != "" {
		return n
	}
	if f.Anonymous && (!ok || tag == "" || tag[0] == ',') && isStructLike(f.Type) {
		return ""
	}
	return f.Name
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" && !strings.Contains(tag, ",") {
		return ""
	}
	return name
}

func isStructLike(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// fieldPath turns go-playground's "Type.items[2].qty" into "items[2].qty".
func fieldPath(ns, field string) string {
	_, rest, ok := strings.Cut(ns, ".")
	if !ok || rest == "" {
		rest = field
	}
	return clip(rest)
}

// clip bounds a client-chosen name (unknown keys, map keys) in answers.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldRef reports how a rule's parameter names other fields: "one" is a
// single name, "all" a list of names, "pairs" name/value pairs, "" none.
func fieldRef(tag string) string {
	switch tag {
	case "eqfield", "nefield", "gtfield", "gtefield", "ltfield", "ltefield", "fieldcontains", "fieldexcludes", "eqcsfield", "necsfield", "gtcsfield", "gtecsfield", "ltcsfield", "ltecsfield":
		return "one"
	case "required_with", "required_with_all", "required_without", "required_without_all", "excluded_with", "excluded_with_all", "excluded_without", "excluded_without_all":
		return "all"
	case "required_if", "required_unless", "excluded_if", "excluded_unless":
		return "pairs"
	}
	return ""
}

// clientParam returns e's parameter with Go field names replaced by the
// names clients use, and Go time layouts by the usual date notation, so
// answers never expose Go identifiers or Go's reference date.
func clientParam(root reflect.Type, e validator.FieldError) string {
	param := e.Param()
	if e.Tag() == "datetime" {
		return layoutText(param) // "YYYY-MM-DD", not Go's "2006-01-02"
	}
	how := fieldRef(e.Tag())
	if how == "" || param == "" {
		return param
	}
	parent := parentType(root, e.StructNamespace())
	if parent == nil {
		return ""
	}
	words := strings.Fields(param)
	for i, w := range words {
		if how == "pairs" && i%2 == 1 {
			continue
		}
		words[i] = goToClient(root, deref(parent), w, strings.Contains(e.Tag(), "csfield"))
	}
	return strings.Join(words, " ")
}

// parentType finds the struct type holding the field at the Go namespace
// ns ("Order.Items[2].Qty" gives the type of an item), nil when a step
// is not found.
func parentType(root reflect.Type, ns string) reflect.Type {
	parent := root
	segs := strings.Split(ns, ".")
	if len(segs) <= 2 {
		return parent
	}
	for _, s := range segs[1 : len(segs)-1] {
		name, _, _ := strings.Cut(s, "[")
		f, ok := deref(parent).FieldByName(name)
		if !ok {
			return nil
		}
		parent = f.Type
		for strings.Contains(s, "[") {
			_, s, _ = strings.Cut(s, "[")
			parent = deref(parent)
			if k := parent.Kind(); k == reflect.Slice || k == reflect.Array || k == reflect.Map {
				parent = parent.Elem()
			}
		}
	}
	return parent
}

// goToClient maps a Go field name (or, for cross-struct rules, a dotted Go
// path from root) to the client's name for it; "" when it cannot.
func goToClient(root, parent reflect.Type, name string, fromRoot bool) string {
	t := parent
	if fromRoot {
		t = deref(root)
	}
	var out []string
	for _, part := range strings.Split(name, ".") {
		if t.Kind() != reflect.Struct {
			return ""
		}
		f, ok := t.FieldByName(part)
		if !ok {
			return ""
		}
		if n := clientName(f); n != "" {
			out = append(out, n)
		}
		t = deref(f.Type)
	}
	return strings.Join(out, ".")
}

// clientFields returns the parameter of a context rule, Go names of
// sibling fields, as the client's names for them.
func clientFields(root reflect.Type, e validator.FieldError) string {
	words := strings.Fields(e.Param())
	parent := parentType(root, e.StructNamespace())
	if parent == nil {
		return ""
	}
	for i, w := range words {
		words[i] = goToClient(root, deref(parent), w, false)
	}
	return strings.Join(words, " ")
}
