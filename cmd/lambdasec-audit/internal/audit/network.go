package audit

import (
	"fmt"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

const (
	securityGroup = "AWS::EC2::SecurityGroup"
	sgIngress     = "AWS::EC2::SecurityGroupIngress"
	sgEgress      = "AWS::EC2::SecurityGroupEgress"
	vpcType       = "AWS::EC2::VPC"
)

// anyAddress reports whether a rule's CIDR may be the whole IPv4 or IPv6
// internet.
func (c *checker) anyAddress(rule *cfn.Node) bool {
	for _, key := range []string{"CidrIp", "CidrIpv6"} {
		for _, v := range c.t.Values(rule.Get(key)) {
			if v.Known && (v.S == "0.0.0.0/0" || v.S == "::/0") {
				return true
			}
		}
	}
	return false
}

func ports(rule *cfn.Node) string {
	proto, _ := rule.Get("IpProtocol").Str()
	from, _ := rule.Get("FromPort").Str()
	to, _ := rule.Get("ToPort").Str()
	if proto == "-1" || proto == "" {
		return "all traffic"
	}
	if from == to {
		return fmt.Sprintf("%s port %s", proto, from)
	}
	return fmt.Sprintf("%s ports %s-%s", proto, from, to)
}

func checkOpenIngress(c *checker, emit emitFunc) {
	for _, sg := range c.resources(securityGroup) {
		for _, rule := range c.t.Branches(sg.Prop("SecurityGroupIngress")) {
			for _, in := range rule.List() {
				if c.anyAddress(in) {
					emit(sg, in, "ingress from anywhere (%s); allow only the security groups that need it", ports(in))
				}
			}
		}
	}
	for _, in := range c.resources(sgIngress) {
		if c.anyAddress(in.Properties) {
			emit(in, in.Properties, "ingress from anywhere (%s); allow only the security groups that need it", ports(in.Properties))
		}
	}
}

// functionGroups returns the security groups defined in the template that
// functions use, each once, in document order.
func (c *checker) functionGroups() []*cfn.Resource {
	seen := map[string]bool{}
	for _, fn := range c.functions() {
		for _, vpc := range c.t.Branches(fn.Prop("VpcConfig")) {
			for _, g := range vpc.Get("SecurityGroupIds").List() {
				if sg := c.resource(g, securityGroup); sg != nil {
					seen[sg.ID] = true
				}
			}
		}
	}
	var out []*cfn.Resource
	for _, sg := range c.resources(securityGroup) {
		if seen[sg.ID] {
			out = append(out, sg)
		}
	}
	return out
}

func checkEgress(c *checker, emit emitFunc) {
	for _, sg := range c.functionGroups() {
		inline := sg.Prop("SecurityGroupEgress")
		if inline == nil {
			emit(sg, nil, "function security group keeps the default allow-all egress: declare SecurityGroupEgress (any rule removes the default) and allow only the ports the function reaches")
		}
		for _, rule := range c.t.Branches(inline) {
			for _, out := range rule.List() {
				if c.anyAddress(out) {
					emit(sg, out, "egress to anywhere (%s); limit egress to the security groups, endpoints or prefix lists the function reaches", ports(out))
				}
			}
		}
		for _, out := range c.referrers(sg.ID, "GroupId", sgEgress) {
			if c.anyAddress(out.Properties) {
				emit(out, out.Properties, "egress to anywhere (%s) from function security group %s", ports(out.Properties), sg.ID)
			}
		}
	}
}

func checkFlowLogs(c *checker, emit emitFunc) {
	logs := c.resources("AWS::EC2::FlowLog")
	for _, vpc := range c.resources(vpcType) {
		found := false
		for _, l := range logs {
			found = found || cfn.RefersTo(l.Prop("ResourceId"), vpc.ID) || cfn.RefersTo(l.Prop("ResourceIds"), vpc.ID)
		}
		if !found {
			emit(vpc, nil, "VPC has no flow log: add an AWS::EC2::FlowLog with ResourceType VPC")
		}
	}
}

func checkCloudTrail(c *checker, emit emitFunc) {
	vpcs := c.resources(vpcType)
	if len(vpcs) == 0 {
		return // an application template; the trail belongs to the account's baseline
	}
	trails := c.resources("AWS::CloudTrail::Trail")
	if len(trails) == 0 {
		emit(vpcs[0], nil, "the template defines a VPC but no CloudTrail trail; add one unless the account already has an organization trail")
	}
	for _, trail := range trails {
		if always, _ := c.t.Bool(trail.Prop("IsLogging")); !always {
			emit(trail, trail.Prop("IsLogging"), "trail is not logging (IsLogging)")
		}
		if always, _ := c.t.Bool(trail.Prop("EnableLogFileValidation")); !always {
			emit(trail, trail.Prop("EnableLogFileValidation"), "trail does not validate log files (EnableLogFileValidation)")
		}
	}
}
