package cfn

import "fmt"

// Types of the SAM resources the rules look at.
const (
	SAMFunction = "AWS::Serverless::Function"
	SAMAPI      = "AWS::Serverless::Api"
	SAMHTTPAPI  = "AWS::Serverless::HttpApi"
)

// Logical ids the SAM transform gives the APIs it creates for function
// events that name no API.
const (
	ImplicitRestAPI = "ServerlessRestApi"
	ImplicitHTTPAPI = "ServerlessHttpApi"
)

// globalsFor maps a Globals section to the resource type it applies to.
var globalsFor = map[string]string{
	"Function":     SAMFunction,
	"Api":          SAMAPI,
	"HttpApi":      SAMHTTPAPI,
	"SimpleTable":  "AWS::Serverless::SimpleTable",
	"StateMachine": "AWS::Serverless::StateMachine",
	"LayerVersion": "AWS::Serverless::LayerVersion",
}

// expandSAM merges Globals into the serverless resources and adds the
// implicit REST and HTTP APIs, as the transform does.
func (t *Template) expandSAM(globals *Node) error {
	for i, sec := range keysOf(globals) {
		typ, ok := globalsFor[sec]
		g := globals.Items[i]
		if !ok || g.Kind != Map {
			return fmt.Errorf("%d: Globals section %s is not one SAM knows", g.Pos(globals.Line), sec)
		}
		for _, r := range t.ByType(typ) {
			r.Properties = mergeGlobals(g, r.Properties)
		}
	}
	t.addImplicitAPI(globals, "Api", ImplicitRestAPI, SAMAPI, "RestApiId")
	t.addImplicitAPI(globals, "HttpApi", ImplicitHTTPAPI, SAMHTTPAPI, "ApiId")
	return nil
}

// mergeGlobals returns the resource's properties with the global ones
// added: the resource wins for scalars and intrinsic values, maps merge
// key by key, and lists get the global items first.
func mergeGlobals(global, local *Node) *Node {
	switch {
	case local == nil:
		return global.clone()
	case global == nil || local.Kind == Func || global.Kind != local.Kind:
		return local
	case local.Kind == Seq:
		out := local.clone()
		out.Items = append(global.clone().Items, out.Items...)
		return out
	case local.Kind != Map:
		return local
	}
	out := local.clone()
	for i, k := range global.Keys {
		if j := indexKey(out, k); j >= 0 {
			out.Items[j] = mergeGlobals(global.Items[i], out.Items[j])
			continue
		}
		out.Keys = append(out.Keys, k)
		out.Items = append(out.Items, global.Items[i].clone())
	}
	return out
}

func indexKey(n *Node, key string) int {
	for i, k := range n.Keys {
		if k == key {
			return i
		}
	}
	return -1
}

// addImplicitAPI adds the API that SAM creates when a function has an
// event of the given type without an API id property.
func (t *Template) addImplicitAPI(globals *Node, eventType, id, typ, idProp string) {
	if _, declared := t.Resources[id]; declared {
		return
	}
	for _, fn := range t.ByType(SAMFunction) {
		events := fn.Prop("Events")
		for _, ev := range events.Values() {
			if s, _ := ev.Get("Type").Str(); s != eventType || ev.Path("Properties", idProp) != nil {
				continue
			}
			props := globals.Get(eventType).clone()
			if props == nil || props.Kind != Map {
				props = &Node{Kind: Map, Line: ev.Line}
			}
			t.Resources[id] = &Resource{ID: id, Type: typ, Properties: props,
				Metadata: fn.Metadata, Line: ev.Line, CreatedBy: fn.ID}
			t.Order = append(t.Order, id)
			return
		}
	}
}

// Values returns the values of a Map node (such as Events), or nil.
func (n *Node) Values() []*Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	return n.Items
}
