package cfn

import (
	"fmt"
	"slices"
	"strings"
)

// SAMTransform is the Transform value that makes a template a SAM template.
const SAMTransform = "AWS::Serverless-2016-10-31"

// Template is a parsed template. Resources holds the declared resources
// and, for SAM templates, the implicit APIs the transform creates;
// Globals are already merged into each AWS::Serverless resource.
type Template struct {
	Name       string
	Root       *Node
	SAM        bool
	Parameters map[string]*Node // name → parameter declaration
	Mappings   *Node
	Conditions map[string]*Node
	Resources  map[string]*Resource
	Order      []string // resource ids in document order, implicit ones last
}

// Resource is one entry of the Resources section.
type Resource struct {
	ID         string
	Type       string
	Properties *Node // a Map, possibly empty, never nil
	Metadata   *Node
	Condition  string
	DependsOn  []string
	Line       int
	// CreatedBy names the function whose events made the SAM transform
	// create this implicit resource; empty for declared resources.
	CreatedBy string
}

// Prop returns a property value, following nested keys.
func (r *Resource) Prop(keys ...string) *Node { return r.Properties.Path(keys...) }

// ByType returns the resources of the given types in document order.
func (t *Template) ByType(types ...string) []*Resource {
	var out []*Resource
	for _, id := range t.Order {
		if r := t.Resources[id]; slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

func build(name string, root *Node) (*Template, error) {
	if root.Kind != Map {
		return nil, fmt.Errorf("%d:%d: the template is not a mapping", root.Line, root.Col)
	}
	t := &Template{Name: name, Root: root, Parameters: map[string]*Node{},
		Conditions: map[string]*Node{}, Resources: map[string]*Resource{}}
	for _, tr := range root.Get("Transform").List() {
		if s, _ := tr.Str(); s == SAMTransform {
			t.SAM = true
		}
	}
	if err := t.sections(root); err != nil {
		return nil, err
	}
	if err := t.resources(root.Get("Resources")); err != nil {
		return nil, err
	}
	if err := t.checkConditions(); err != nil {
		return nil, err
	}
	if err := t.checkCycles(); err != nil {
		return nil, err
	}
	if t.SAM {
		if err := t.expandSAM(root.Get("Globals")); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Template) sections(root *Node) error {
	for _, sec := range []string{"Parameters", "Mappings", "Conditions", "Outputs", "Globals"} {
		n := root.Get(sec)
		if n != nil && n.Kind != Map && n.Kind != Null {
			return fmt.Errorf("%d:%d: %s is not a mapping", n.Line, n.Col, sec)
		}
	}
	params := root.Get("Parameters")
	for i, k := range keysOf(params) {
		if params.Items[i].Kind != Map {
			return fmt.Errorf("%d: parameter %s is not a mapping", params.Items[i].Pos(params.Line), k)
		}
		t.Parameters[k] = params.Items[i]
	}
	t.Mappings = root.Get("Mappings")
	conds := root.Get("Conditions")
	for i, k := range keysOf(conds) {
		t.Conditions[k] = conds.Items[i]
	}
	return nil
}

func keysOf(n *Node) []string {
	if n == nil || n.Kind != Map {
		return nil
	}
	return n.Keys
}

func (t *Template) resources(res *Node) error {
	if res == nil || res.Kind != Map || len(res.Keys) == 0 {
		return fmt.Errorf("%d: Resources is missing or empty", res.Pos(1))
	}
	for i, id := range res.Keys {
		if strings.HasPrefix(id, "Fn::") {
			return fmt.Errorf("%d: %s in Resources is not supported", res.Items[i].Pos(res.Line), id)
		}
		r, err := newResource(id, res.Items[i])
		if err != nil {
			return err
		}
		t.Resources[id] = r
		t.Order = append(t.Order, id)
	}
	return nil
}

func newResource(id string, n *Node) (*Resource, error) {
	if n.Kind != Map {
		return nil, fmt.Errorf("%d: resource %s is not a mapping", n.Line, id)
	}
	typ, ok := n.Get("Type").Str()
	if !ok || typ == "" {
		return nil, fmt.Errorf("%d: resource %s has no Type", n.Line, id)
	}
	r := &Resource{ID: id, Type: typ, Properties: n.Get("Properties"), Metadata: n.Get("Metadata"), Line: n.Line}
	if r.Properties == nil || r.Properties.Kind == Null {
		r.Properties = &Node{Kind: Map, Line: n.Line}
	}
	if r.Properties.Kind != Map {
		return nil, fmt.Errorf("%d: Properties of %s is not a mapping", r.Properties.Line, id)
	}
	if c := n.Get("Condition"); c != nil {
		if r.Condition, ok = c.Str(); !ok {
			return nil, fmt.Errorf("%d: Condition of %s is not a name", c.Line, id)
		}
	}
	for _, d := range n.Get("DependsOn").List() {
		s, ok := d.Str()
		if !ok {
			return nil, fmt.Errorf("%d: DependsOn of %s is not a name", d.Line, id)
		}
		r.DependsOn = append(r.DependsOn, s)
	}
	return r, nil
}
