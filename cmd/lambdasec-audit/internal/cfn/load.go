package cfn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits on what Parse accepts. CloudFormation itself takes at most 1 MB
// of template body, so the size limit leaves room for SAM templates
// before packaging; the node budget stops alias "billion laughs" bombs,
// which yaml.Node keeps unexpanded but a walk would multiply; the depth
// limit stops stack exhaustion on deeply nested input.
const (
	MaxSize  = 4 << 20
	maxNodes = 1 << 20
	maxDepth = 100
)

// nodeBudget is how many values a document of n bytes may expand to.
// Without aliases every value takes at least two bytes of source, so
// n/2 is an upper bound; the constant leaves room for anchors that
// repeat a block a few times, as templates do for shared settings.
func nodeBudget(n int) int { return min(maxNodes, n/2+20000) }

// ErrInvalid is returned by [Parse] and [Read] for a template that cannot be
// judged: unreadable YAML or JSON, a template that is too large or too
// deep, an unknown intrinsic function, a misshapen section or a cycle.
// Always wrapped with the position; use errors.Is.
var ErrInvalid = errors.New("cfn: invalid template")

// Read reads at most MaxSize bytes from r and parses them with [Parse].
func Read(name string, r io.Reader) (*Template, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %s: larger than %d MiB (CloudFormation accepts at most 1 MB)", ErrInvalid, name, MaxSize>>20)
	}
	return Parse(name, data)
}

// Parse reads a CloudFormation or SAM template in YAML or JSON (JSON is
// read as YAML, which it is a subset of), checks its intrinsic functions
// and references, and applies the SAM transform's Globals and implicit
// APIs when the template declares AWS::Serverless-2016-10-31.
func Parse(name string, data []byte) (*Template, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %s: larger than %d MiB", ErrInvalid, name, MaxSize>>20)
	}
	if isJSON(data) {
		var err error
		if data, err = prepareJSON(data); err != nil {
			return nil, fmt.Errorf("%w: %s:%w", ErrInvalid, name, err)
		}
	}
	doc, err := decodeYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
	}
	c := converter{budget: nodeBudget(len(data))}
	root, err := c.convert(doc, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s:%w", ErrInvalid, name, err)
	}
	t, err := build(name, root)
	if err != nil {
		return nil, fmt.Errorf("%w: %s:%w", ErrInvalid, name, err)
	}
	return t, nil
}

// decodeYAML returns the single document's root node.
func decodeYAML(data []byte) (n *yaml.Node, err error) {
	// yaml.v3 is a port of libyaml that has panicked on hostile input in
	// the past (CVE-2022-28948); a panic there must become an error here,
	// not a crash of the checker.
	defer func() {
		if p := recover(); p != nil {
			n, err = nil, fmt.Errorf("yaml parser failed: %v", p)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	return &doc, nil
}

type converter struct {
	budget int // nodes left, counting every expansion of an alias
}

func posErr(y *yaml.Node, format string, a ...any) error {
	return fmt.Errorf("%d:%d: %s", y.Line, y.Column, fmt.Sprintf(format, a...))
}

// convert turns a yaml.Node into a Node, expanding aliases within the
// budget and folding intrinsic functions.
func (c *converter) convert(y *yaml.Node, depth int) (*Node, error) {
	c.budget--
	if c.budget < 0 {
		return nil, posErr(y, "aliases expand to too many values (an alias bomb?)")
	}
	if depth > maxDepth {
		return nil, posErr(y, "nested deeper than %d levels", maxDepth)
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) != 1 {
			return nil, posErr(y, "empty document")
		}
		return c.convert(y.Content[0], depth)
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, posErr(y, "alias without anchor")
		}
		return c.convert(y.Alias, depth+1)
	case yaml.ScalarNode:
		return c.scalar(y, depth)
	case yaml.SequenceNode:
		return c.sequence(y, depth)
	case yaml.MappingNode:
		return c.mapping(y, depth)
	}
	return nil, posErr(y, "unexpected YAML node")
}

// customTag returns the intrinsic named by a short-form tag such as !Ref,
// "" for the standard YAML tags, or an error for any other tag.
func customTag(y *yaml.Node) (string, error) {
	tag := y.Tag
	if tag == "" || strings.HasPrefix(tag, "!!") || tag == "!" {
		return "", nil
	}
	short := strings.TrimPrefix(tag, "!")
	name := "Fn::" + short
	if short == "Ref" || short == "Condition" {
		name = short
	}
	if _, ok := intrinsics[name]; !ok {
		return "", posErr(y, "unknown intrinsic function tag %s", tag)
	}
	return name, nil
}

func (c *converter) scalar(y *yaml.Node, depth int) (*Node, error) {
	fn, err := customTag(y)
	if err != nil {
		return nil, err
	}
	n := &Node{Kind: Scalar, Value: y.Value, Line: y.Line, Col: y.Column}
	if y.Tag == "!!null" {
		n = &Node{Kind: Null, Line: y.Line, Col: y.Column}
	}
	if fn == "" {
		return n, nil
	}
	return c.fold(fn, n, y)
}

func (c *converter) sequence(y *yaml.Node, depth int) (*Node, error) {
	fn, err := customTag(y)
	if err != nil {
		return nil, err
	}
	n := &Node{Kind: Seq, Line: y.Line, Col: y.Column}
	for _, it := range y.Content {
		v, err := c.convert(it, depth+1)
		if err != nil {
			return nil, err
		}
		n.Items = append(n.Items, v)
	}
	if fn == "" {
		return n, nil
	}
	return c.fold(fn, n, y)
}

func (c *converter) mapping(y *yaml.Node, depth int) (*Node, error) {
	fn, err := customTag(y)
	if err != nil {
		return nil, err
	}
	n := &Node{Kind: Map, Line: y.Line, Col: y.Column}
	if err := c.addPairs(n, y, depth); err != nil {
		return nil, err
	}
	if fn != "" {
		return c.fold(fn, n, y)
	}
	// The long form: a map whose only key is Ref or Fn::Name.
	if len(n.Keys) == 1 && (n.Keys[0] == "Ref" || strings.HasPrefix(n.Keys[0], "Fn::")) {
		name := n.Keys[0]
		if _, ok := intrinsics[name]; !ok {
			if strings.HasPrefix(name, "Fn::ForEach::") {
				return nil, posErr(y, "%s (AWS::LanguageExtensions) is not supported", name)
			}
			return nil, posErr(y, "unknown intrinsic function %s", name)
		}
		return c.fold(name, n.Items[0], y)
	}
	for _, k := range n.Keys {
		if strings.HasPrefix(k, "Fn::") {
			return nil, posErr(y, "%s must be the only key of its map", k)
		}
	}
	return n, nil
}

// addPairs copies a mapping's pairs into n, refusing duplicate and
// non-scalar keys (CloudFormation refuses both) and applying YAML merge
// keys (<<).
func (c *converter) addPairs(n *Node, y *yaml.Node, depth int) error {
	if len(y.Content)%2 != 0 {
		return posErr(y, "mapping with an odd number of nodes")
	}
	for i := 0; i < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return posErr(k, "mapping key is not a string")
		}
		if k.Tag == "!!merge" {
			if err := c.merge(n, v, depth); err != nil {
				return err
			}
			continue
		}
		val, err := c.convert(v, depth+1)
		if err != nil {
			return err
		}
		if n.Get(k.Value) != nil {
			return posErr(k, "duplicate key %q", k.Value)
		}
		n.Keys = append(n.Keys, k.Value)
		n.Items = append(n.Items, val)
	}
	return nil
}

// merge applies a YAML merge key: keys already present win.
func (c *converter) merge(n *Node, v *yaml.Node, depth int) error {
	src, err := c.convert(v, depth+1)
	if err != nil {
		return err
	}
	for _, m := range src.List() {
		if m.Kind != Map {
			return posErr(v, "merge key needs a mapping")
		}
		for i, k := range m.Keys {
			if n.Get(k) == nil {
				n.Keys = append(n.Keys, k)
				n.Items = append(n.Items, m.Items[i])
			}
		}
	}
	return nil
}

// fold makes a Func node after checking the argument's shape.
func (c *converter) fold(name string, arg *Node, y *yaml.Node) (*Node, error) {
	if name == "Fn::GetAtt" {
		if s, ok := arg.Str(); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found || res == "" || attr == "" {
				return nil, posErr(y, "Fn::GetAtt %q is not Resource.Attribute", s)
			}
			arg = &Node{Kind: Seq, Line: arg.Line, Col: arg.Col, Items: []*Node{
				{Kind: Scalar, Value: res, Line: arg.Line, Col: arg.Col},
				{Kind: Scalar, Value: attr, Line: arg.Line, Col: arg.Col},
			}}
		}
	}
	if err := intrinsics[name](arg); err != nil {
		return nil, posErr(y, "%s: %v", name, err)
	}
	return &Node{Kind: Func, Value: name, Arg: arg, Line: y.Line, Col: y.Column}, nil
}
