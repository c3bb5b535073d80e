package audit

import (
	"slices"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// unscopedActions are actions that take no resource ARN (or that Lambda
// needs on "*", such as the network-interface calls for VPC access), so
// Resource "*" is the only way to grant them. Lower case.
var unscopedActions = []string{
	"xray:puttracesegments", "xray:puttelemetryrecords", "xray:getsamplingrules",
	"xray:getsamplingtargets", "xray:getsamplingstatisticsummaries",
	"ec2:createnetworkinterface", "ec2:deletenetworkinterface",
	"ec2:assignprivateipaddresses", "ec2:unassignprivateipaddresses",
	"cloudwatch:putmetricdata", "cloudwatch:getmetricdata", "cloudwatch:listmetrics",
	"logs:describeloggroups", "sts:getcalleridentity",
	"kms:listkeys", "kms:listaliases", "secretsmanager:getrandompassword",
	"secretsmanager:listsecrets", "ssm:describeparameters", "s3:listallmybuckets",
	"sns:listtopics", "sqs:listqueues", "dynamodb:listtables", "lambda:listfunctions",
}

func unscoped(action string) bool {
	a := strings.ToLower(action)
	return slices.Contains(unscopedActions, a) || strings.HasPrefix(a, "ec2:describe")
}

// broadManagedPolicy reports whether an AWS managed policy name or ARN
// grants whole services.
func broadManagedPolicy(name string) bool {
	base := name[strings.LastIndex(name, "/")+1:]
	return base == "AdministratorAccess" || base == "PowerUserAccess" || strings.HasSuffix(base, "FullAccess")
}

// policy is one identity policy document and where it came from.
type policy struct {
	owner *cfn.Resource
	doc   *cfn.Node
}

// identityPolicies returns the inline policy documents of IAM roles,
// users, groups and policies and of SAM functions and state machines.
func (c *checker) identityPolicies() []policy {
	var out []policy
	for _, r := range c.resources("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") {
		for _, p := range r.Prop("Policies").List() {
			out = append(out, policy{r, p.Get("PolicyDocument")})
		}
	}
	for _, r := range c.resources("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
		out = append(out, policy{r, r.Prop("PolicyDocument")})
	}
	for _, r := range c.resources(cfn.SAMFunction, "AWS::Serverless::StateMachine") {
		for _, p := range r.Prop("Policies").List() {
			if p.Get("Statement") != nil {
				out = append(out, policy{r, p})
			}
		}
	}
	return out
}

// allows returns the Allow statements of a document, all Fn::If sides.
func (c *checker) allows(doc *cfn.Node) []*cfn.Node {
	var out []*cfn.Node
	for _, d := range c.t.Branches(doc) {
		for _, st := range d.Get("Statement").List() {
			for _, s := range c.t.Branches(st) {
				if s == nil {
					continue
				}
				for _, e := range c.t.Values(s.Get("Effect")) {
					if !e.Known || e.S == "Allow" {
						out = append(out, s)
						break
					}
				}
			}
		}
	}
	return out
}

func (c *checker) actions(st *cfn.Node) []cfn.Val {
	var out []cfn.Val
	for _, a := range st.Get("Action").List() {
		out = append(out, c.t.Values(a)...)
	}
	return out
}

func checkWildcardActions(c *checker, emit emitFunc) {
	for _, p := range c.identityPolicies() {
		for _, st := range c.allows(p.doc) {
			if st.Get("NotAction") != nil {
				emit(p.owner, st.Get("NotAction"), "Allow with NotAction grants every other action, including ones added later; list the actions instead")
			}
			for _, a := range c.actions(st) {
				if a.Known && (a.S == "*" || strings.HasSuffix(a.S, ":*")) {
					emit(p.owner, st.Get("Action"), "Allow statement grants action %q; list the actions the code calls", a.S)
				}
			}
		}
	}
	for _, r := range c.resources("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") {
		for _, m := range r.Prop("ManagedPolicyArns").List() {
			for _, v := range c.t.Values(m) {
				if v.Known && broadManagedPolicy(v.S) {
					emit(r, m, "managed policy %s grants whole services; write a policy for the actions the code calls", v.S)
				}
			}
		}
	}
	for _, fn := range c.resources(cfn.SAMFunction, "AWS::Serverless::StateMachine") {
		for _, p := range fn.Prop("Policies").List() {
			if s, ok := p.Str(); ok && broadManagedPolicy(s) {
				emit(fn, p, "managed policy %s grants whole services; use a SAM policy template scoped to one resource, or a statement", s)
			}
		}
	}
}

func checkWildcardResources(c *checker, emit emitFunc) {
	for _, p := range c.identityPolicies() {
		for _, st := range c.allows(p.doc) {
			if st.Get("NotResource") != nil {
				emit(p.owner, st.Get("NotResource"), "Allow with NotResource applies to every other resource; list the resources instead")
			}
			if !c.anyStar(st.Get("Resource")) {
				continue
			}
			var scopable []string
			for _, a := range c.actions(st) {
				if !a.Known || !unscoped(a.S) {
					scopable = append(scopable, orUnknown(a))
				}
			}
			if len(scopable) > 0 {
				emit(p.owner, st.Get("Resource"), "Resource \"*\" for actions that take a resource ARN (%s); name the resources", strings.Join(scopable, ", "))
			}
		}
	}
	c.policyTemplates(emit)
}

func (c *checker) anyStar(n *cfn.Node) bool {
	for _, r := range n.List() {
		for _, v := range c.t.Values(r) {
			if v.Known && v.S == "*" {
				return true
			}
		}
	}
	return false
}

// policyTemplates flags SAM policy templates (DynamoDBCrudPolicy and the
// like) given "*" for the resource name they scope to.
func (c *checker) policyTemplates(emit emitFunc) {
	for _, fn := range c.resources(cfn.SAMFunction, "AWS::Serverless::StateMachine") {
		for _, p := range fn.Prop("Policies").List() {
			if p.Kind != cfn.Map || len(p.Keys) != 1 || p.Get("Statement") != nil {
				continue
			}
			for i, param := range p.Items[0].Keys {
				if c.anyStar(p.Items[0].Items[i]) {
					emit(fn, p, "policy template %s has %s \"*\", which grants it on every resource; name one", p.Keys[0], param)
				}
			}
		}
	}
}
