package cfn

import (
	"strconv"
	"strings"
)

// maxValues bounds the set of possible values Values computes; beyond it
// the value counts as unknown.
const maxValues = 64

// Val is one value a property may take when the stack is deployed.
type Val struct {
	S      string // the text, when Known
	Known  bool
	Absent bool // the property is left out (AWS::NoValue or null)
	// Ref names the resource or parameter an unknown value comes from,
	// if it is a plain Ref or Fn::GetAtt.
	Ref string
}

// Branches returns the nodes n may stand for: both sides of every
// Fn::If (the rules do not know which condition holds at deploy time, so
// they judge every side) and nil for AWS::NoValue.
func (t *Template) Branches(n *Node) []*Node {
	if n.IsFunc("Fn::If") {
		var out []*Node
		for _, b := range n.Arg.Items[1:] {
			out = append(out, t.Branches(b)...)
		}
		return out
	}
	if n == nil || n.Kind == Null || isNoValue(n) {
		return []*Node{nil}
	}
	return []*Node{n}
}

func isNoValue(n *Node) bool {
	s, _ := n.Arg.Str()
	return n.IsFunc("Ref") && s == "AWS::NoValue"
}

// Values returns the scalar values n may take: literals, both sides of
// Fn::If, a parameter's AllowedValues or its Default, MinValue and
// MaxValue, Fn::FindInMap entries, and Fn::Join, Fn::Sub and Fn::Select
// of known parts. Anything else is one unknown value.
func (t *Template) Values(n *Node) []Val {
	vs := t.values(n, 0)
	if len(vs) > maxValues {
		return []Val{{}}
	}
	return vs
}

func (t *Template) values(n *Node, depth int) []Val {
	if depth > maxDepth {
		return []Val{{}}
	}
	switch {
	case n == nil || n.Kind == Null || isNoValue(n):
		return []Val{{Absent: true}}
	case n.Kind == Scalar:
		return []Val{{S: n.Value, Known: true}}
	case n.Kind != Func:
		return []Val{{}}
	}
	switch n.Value {
	case "Fn::If":
		return append(t.values(n.Arg.Items[1], depth+1), t.values(n.Arg.Items[2], depth+1)...)
	case "Ref":
		name, _ := n.Arg.Str()
		if p, ok := t.Parameters[name]; ok {
			return paramValues(name, p)
		}
		return []Val{{Ref: name}}
	case "Fn::GetAtt":
		name, _ := n.Arg.Items[0].Str()
		return []Val{{Ref: name}}
	case "Fn::FindInMap":
		return t.findInMap(n.Arg, depth)
	case "Fn::Join":
		return t.join(n.Arg, depth)
	case "Fn::Sub":
		return t.sub(n.Arg, depth)
	case "Fn::Select":
		return t.selectValue(n.Arg, depth)
	}
	return []Val{{}}
}

func paramValues(name string, p *Node) []Val {
	var out []Val
	if allowed := p.Get("AllowedValues"); allowed != nil {
		for _, a := range allowed.List() {
			if s, ok := a.Str(); ok {
				out = append(out, Val{S: s, Known: true})
			}
		}
		return out
	}
	for _, k := range []string{"Default", "MinValue", "MaxValue"} {
		if s, ok := p.Get(k).Str(); ok {
			out = append(out, Val{S: s, Known: true})
		}
	}
	if out == nil {
		return []Val{{Ref: name}}
	}
	return out
}

// findInMap looks the keys up; an unknown key stands for every entry at
// its level.
func (t *Template) findInMap(arg *Node, depth int) []Val {
	level := []*Node{t.Mappings}
	for _, key := range arg.Items[:3] {
		var next []*Node
		for _, m := range level {
			for _, k := range t.values(key, depth+1) {
				switch {
				case k.Known:
					if v := m.Get(k.S); v != nil {
						next = append(next, v)
					}
				case m != nil && m.Kind == Map:
					next = append(next, m.Items...)
				}
			}
		}
		if len(next) > maxValues {
			return []Val{{}}
		}
		level = next
	}
	var out []Val
	for _, v := range level {
		out = append(out, t.values(v, depth+1)...)
	}
	if len(arg.Items) == 4 {
		out = append(out, t.values(arg.Items[3].Get("DefaultValue"), depth+1)...)
	}
	if out == nil {
		return []Val{{}}
	}
	return out
}

// single returns n's value when it has exactly one known value.
func (t *Template) single(n *Node, depth int) (string, bool) {
	vs := t.values(n, depth+1)
	if len(vs) != 1 || !vs[0].Known {
		return "", false
	}
	return vs[0].S, true
}

func (t *Template) join(arg *Node, depth int) []Val {
	sep, ok := t.single(arg.Items[0], depth)
	if !ok || arg.Items[1].Kind != Seq {
		return []Val{{}}
	}
	parts := make([]string, 0, len(arg.Items[1].Items))
	for _, p := range arg.Items[1].Items {
		s, ok := t.single(p, depth)
		if !ok {
			return []Val{{}}
		}
		parts = append(parts, s)
	}
	return []Val{{S: strings.Join(parts, sep), Known: true}}
}

// sub substitutes variables of the list form and parameters with one
// known value; a reference to anything else makes the result unknown.
func (t *Template) sub(arg *Node, depth int) []Val {
	s, ok := arg.Str()
	var vars *Node
	if !ok {
		s, _ = arg.Items[0].Str()
		vars = arg.Items[1]
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return []Val{{S: b.String(), Known: true}}
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return []Val{{S: b.String(), Known: true}}
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		s = s[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		v, ok := t.subVar(name, vars, depth)
		if !ok {
			return []Val{{}}
		}
		b.WriteString(v)
	}
}

func (t *Template) subVar(name string, vars *Node, depth int) (string, bool) {
	if v := vars.Get(name); v != nil {
		return t.single(v, depth)
	}
	if p, ok := t.Parameters[name]; ok {
		if vs := paramValues(name, p); len(vs) == 1 && vs[0].Known {
			return vs[0].S, true
		}
	}
	return "", false
}

func (t *Template) selectValue(arg *Node, depth int) []Val {
	idx, ok := t.single(arg.Items[0], depth)
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || arg.Items[1].Kind != Seq || i >= len(arg.Items[1].Items) {
		return []Val{{}}
	}
	return t.values(arg.Items[1].Items[i], depth+1)
}

// Bool reports how a boolean property may turn out: always true, and
// possibly true (an unknown value counts as possibly true and never as
// always true, so checks fail closed either way).
func (t *Template) Bool(n *Node) (always, maybe bool) {
	always = true
	for _, v := range t.Values(n) {
		isTrue := v.Known && strings.EqualFold(v.S, "true")
		if !isTrue {
			always = false
		}
		if isTrue || (!v.Known && !v.Absent) {
			maybe = true
		}
	}
	return always, maybe
}

// Ints returns the integer values n may take and whether any value is
// unknown or not an integer. An absent value is left out.
func (t *Template) Ints(n *Node) (out []int, unknown bool) {
	for _, v := range t.Values(n) {
		if v.Absent {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSpace(v.S))
		if !v.Known || err != nil {
			unknown = true
			continue
		}
		out = append(out, i)
	}
	return out, unknown
}

// RefersTo reports whether n refers to the resource id anywhere inside
// (Ref, Fn::GetAtt or Fn::Sub).
func RefersTo(n *Node, id string) bool {
	for _, r := range Refs(n) {
		if r == id {
			return true
		}
	}
	return false
}
