package cfn

import (
	"fmt"
	"slices"
)

// Walk calls f for n and every node below it, depth first, until f
// returns false for a node (its children are then skipped).
func Walk(n *Node, f func(*Node) bool) {
	if n == nil || !f(n) {
		return
	}
	for _, it := range n.Items {
		Walk(it, f)
	}
	Walk(n.Arg, f)
}

// Refs returns the names n refers to through Ref, Fn::GetAtt and Fn::Sub,
// in order of appearance: resources, parameters and pseudo parameters.
func Refs(n *Node) []string {
	var out []string
	Walk(n, func(x *Node) bool {
		if x.Kind != Func {
			return true
		}
		switch x.Value {
		case "Ref":
			s, _ := x.Arg.Str()
			out = append(out, s)
		case "Fn::GetAtt":
			s, _ := x.Arg.Items[0].Str()
			out = append(out, s)
		case "Fn::Sub":
			out = append(out, subNames(x.Arg)...)
		}
		return true
	})
	return out
}

// subNames returns the names a Fn::Sub refers to, minus the variables its
// second argument defines, plus whatever those variables refer to.
func subNames(arg *Node) []string {
	if s, ok := arg.Str(); ok {
		return subRefs(s)
	}
	s, _ := arg.Items[0].Str()
	vars := arg.Items[1]
	var out []string
	for _, name := range subRefs(s) {
		if vars.Get(name) == nil {
			out = append(out, name)
		}
	}
	return append(out, Refs(vars)...)
}

// checkConditions makes sure every condition named in Conditions,
// Fn::If and a resource's Condition exists, and that conditions do not
// refer to each other in a cycle.
func (t *Template) checkConditions() error {
	deps := map[string][]string{}
	for name, body := range t.Conditions {
		deps[name] = conditionRefs(body)
	}
	for name, ds := range deps {
		for _, d := range ds {
			if _, ok := t.Conditions[d]; !ok {
				return fmt.Errorf("%d: condition %s refers to unknown condition %s", t.Conditions[name].Line, name, d)
			}
		}
	}
	if cyc := findCycle(deps); cyc != nil {
		return fmt.Errorf("%d: conditions refer to each other in a cycle: %v", t.Conditions[cyc[0]].Line, cyc)
	}
	var err error
	Walk(t.Root.Get("Resources"), func(x *Node) bool {
		if err == nil && x.IsFunc("Fn::If") {
			name, _ := x.Arg.Items[0].Str()
			if _, ok := t.Conditions[name]; !ok {
				err = fmt.Errorf("%d: Fn::If names unknown condition %s", x.Line, name)
			}
		}
		return err == nil
	})
	for _, id := range t.Order {
		r := t.Resources[id]
		if _, ok := t.Conditions[r.Condition]; r.Condition != "" && !ok && err == nil {
			err = fmt.Errorf("%d: resource %s has unknown condition %s", r.Line, id, r.Condition)
		}
	}
	return err
}

// conditionRefs returns the conditions a condition body uses, in both the
// !Condition and the {"Condition": name} forms.
func conditionRefs(n *Node) []string {
	var out []string
	Walk(n, func(x *Node) bool {
		if x.IsFunc("Condition") {
			s, _ := x.Arg.Str()
			out = append(out, s)
		}
		if x.Kind == Map && len(x.Keys) == 1 && x.Keys[0] == "Condition" {
			s, _ := x.Items[0].Str()
			out = append(out, s)
		}
		return true
	})
	return out
}

// checkCycles refuses DependsOn naming an unknown resource and a cycle of
// Ref, Fn::GetAtt, Fn::Sub and DependsOn among resources, both of which
// CloudFormation refuses.
func (t *Template) checkCycles() error {
	deps := map[string][]string{}
	for _, id := range t.Order {
		r := t.Resources[id]
		for _, d := range r.DependsOn {
			if _, ok := t.Resources[d]; !ok && !t.samGenerated(d) {
				return fmt.Errorf("%d: %s DependsOn unknown resource %s", r.Line, id, d)
			}
		}
		ds := slices.Clone(r.DependsOn)
		for _, name := range Refs(r.Properties) {
			if _, ok := t.Resources[name]; ok {
				ds = append(ds, name)
			}
		}
		deps[id] = ds
	}
	if cyc := findCycle(deps); cyc != nil {
		return fmt.Errorf("%d: resources depend on each other in a cycle: %v", t.Resources[cyc[0]].Line, cyc)
	}
	return nil
}

// findCycle returns one cycle of the graph (first node repeated at the
// end), or nil. Nodes are visited in sorted order so the answer is stable.
func findCycle(deps map[string][]string) []string {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = active
		stack = append(stack, n)
		for _, d := range deps[n] {
			switch state[d] {
			case active:
				i := slices.Index(stack, d)
				return append(slices.Clone(stack[i:]), d)
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return nil
	}
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if state[n] == unseen {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// samGenerated reports whether name is a resource the SAM transform
// creates and templates may name in DependsOn: an API's stage
// (<Api><StageName>Stage, or <Api>ApiGatewayDefaultStage for an HTTP
// API's $default stage) and a function's role (<Function>Role).
func (t *Template) samGenerated(name string) bool {
	for id, r := range t.Resources {
		switch r.Type {
		case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
			stage, _ := r.Properties.Get("StageName").Str()
			if stage != "" && name == id+stage+"Stage" {
				return true
			}
			if r.Type == "AWS::Serverless::HttpApi" && name == id+"ApiGatewayDefaultStage" {
				return true
			}
		case "AWS::Serverless::Function":
			if name == id+"Role" && r.Properties.Get("Role") == nil {
				return true
			}
		}
	}
	return false
}
