package cfn

import (
	"slices"
	"strconv"
	"strings"
)

// Kind is the shape of a [Node].
type Kind uint8

// The kinds of node a template holds.
const (
	Null   Kind = iota // an explicit null or an empty value
	Scalar             // a string, number or boolean, kept as written
	Map                // a mapping with string keys, in document order
	Seq                // a sequence
	Func               // an intrinsic function: Value names it, Arg holds its argument
)

// Node is one value of a template after aliases are expanded and both
// forms of every intrinsic function (the !Tag and the {"Fn::X": ...}
// map) are folded into a Func node. Line and Col are 1-based positions
// in the source file.
type Node struct {
	Kind  Kind
	Value string   // Scalar text, or the Func name ("Ref", "Fn::GetAtt", ...)
	Keys  []string // Map keys, parallel to Items
	Items []*Node  // Map values or Seq items
	Arg   *Node    // Func argument
	Line  int
	Col   int
}

// Get returns the value of key in a Map node, or nil when n is not a map
// or has no such key. It is safe on a nil receiver.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	if i := slices.Index(n.Keys, key); i >= 0 {
		return n.Items[i]
	}
	return nil
}

// Path follows keys through nested maps, as Get does for one key.
func (n *Node) Path(keys ...string) *Node {
	for _, k := range keys {
		n = n.Get(k)
	}
	return n
}

// Str returns the text of a Scalar node and whether n is one.
func (n *Node) Str() (string, bool) {
	if n == nil || n.Kind != Scalar {
		return "", false
	}
	return n.Value, true
}

// IsFunc reports whether n is a call of the named intrinsic.
func (n *Node) IsFunc(name string) bool {
	return n != nil && n.Kind == Func && n.Value == name
}

// List returns the items of a Seq node; any other node is a one-item list
// (CloudFormation accepts a single value where it takes a list), and nil
// is an empty list.
func (n *Node) List() []*Node {
	switch {
	case n == nil || n.Kind == Null:
		return nil
	case n.Kind == Seq:
		return n.Items
	}
	return []*Node{n}
}

// Pos returns the node's line, or fallback when n is nil.
func (n *Node) Pos(fallback int) int {
	if n == nil || n.Line == 0 {
		return fallback
	}
	return n.Line
}

// clone copies n deeply so that merging Globals into one resource never
// changes another.
func (n *Node) clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Keys = slices.Clone(n.Keys)
	c.Items = make([]*Node, len(n.Items))
	for i, it := range n.Items {
		c.Items[i] = it.clone()
	}
	c.Arg = n.Arg.clone()
	return &c
}

// String renders a node compactly for messages.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

func (n *Node) write(b *strings.Builder, depth int) {
	if depth > 8 {
		b.WriteString("…")
		return
	}
	switch {
	case n == nil || n.Kind == Null:
		b.WriteString("null")
	case n.Kind == Scalar:
		b.WriteString(strconv.Quote(n.Value))
	case n.Kind == Func:
		b.WriteString("{" + n.Value + ": ")
		n.Arg.write(b, depth+1)
		b.WriteString("}")
	case n.Kind == Seq:
		b.WriteString("[")
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			it.write(b, depth+1)
		}
		b.WriteString("]")
	default:
		b.WriteString("{")
		for i, k := range n.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + ": ")
			n.Items[i].write(b, depth+1)
		}
		b.WriteString("}")
	}
}
