package audit

import (
	"slices"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

const (
	lambdaFunction = "AWS::Lambda::Function"
	kmsKey         = "AWS::KMS::Key"
	subnet         = "AWS::EC2::Subnet"
)

func (c *checker) functions() []*cfn.Resource {
	return c.resources(lambdaFunction, cfn.SAMFunction)
}

func checkVPC(c *checker, emit emitFunc) {
	for _, fn := range c.functions() {
		for _, vpc := range c.t.Branches(fn.Prop("VpcConfig")) {
			switch {
			case vpc == nil:
				emit(fn, fn.Prop("VpcConfig"), "function is not in a VPC: set VpcConfig with private subnets and a security group")
			case len(vpc.Get("SubnetIds").List()) == 0 || len(vpc.Get("SecurityGroupIds").List()) == 0:
				emit(fn, vpc, "VpcConfig needs both SubnetIds and SecurityGroupIds")
			}
		}
	}
}

func checkPublicSubnet(c *checker, emit emitFunc) {
	for _, fn := range c.functions() {
		for _, vpc := range c.t.Branches(fn.Prop("VpcConfig")) {
			for _, s := range vpc.Get("SubnetIds").List() {
				sn := c.resource(s, subnet)
				if sn == nil {
					continue // a parameter or import: cannot be judged here
				}
				if why := c.publicSubnet(sn); why != "" {
					emit(fn, s, "subnet %s is public (%s); functions belong in private subnets", sn.ID, why)
				}
			}
		}
	}
}

// publicSubnet says why a subnet defined in the template is public, or "".
func (c *checker) publicSubnet(sn *cfn.Resource) string {
	if _, maybe := c.t.Bool(sn.Prop("MapPublicIpOnLaunch")); maybe {
		return "MapPublicIpOnLaunch"
	}
	for _, assoc := range c.referrers(sn.ID, "SubnetId", "AWS::EC2::SubnetRouteTableAssociation") {
		rt := c.resource(assoc.Prop("RouteTableId"), "AWS::EC2::RouteTable")
		if rt == nil {
			continue
		}
		for _, route := range c.referrers(rt.ID, "RouteTableId", "AWS::EC2::Route") {
			if c.resource(route.Prop("GatewayId"), "AWS::EC2::InternetGateway") != nil {
				return "its route table " + rt.ID + " routes to an internet gateway"
			}
		}
	}
	return ""
}

func checkEnvKMS(c *checker, emit emitFunc) {
	for _, fn := range c.functions() {
		vars := fn.Prop("Environment", "Variables")
		if vars == nil || (vars.Kind == cfn.Map && len(vars.Keys) == 0) {
			continue
		}
		key := fn.Prop("KmsKeyArn")
		for _, v := range c.t.Values(key) {
			if v.Absent {
				emit(fn, vars, "environment variables are encrypted with the AWS managed key: set KmsKeyArn to a customer managed key")
				break
			}
		}
		// The text, not the value: an ARN built with Fn::Sub from
		// pseudo parameters is unknown but still names the alias.
		if strings.Contains(key.String(), "alias/aws/") {
			emit(fn, key, "KmsKeyArn names an AWS managed key; use a customer managed key with rotation")
		}
	}
}

func checkKeyRotation(c *checker, emit emitFunc) {
	for _, k := range c.resources(kmsKey) {
		specs := c.t.Values(k.Prop("KeySpec"))
		symmetric := slices.ContainsFunc(specs, func(v cfn.Val) bool {
			return v.Absent || !v.Known || v.S == "SYMMETRIC_DEFAULT"
		})
		if !symmetric {
			continue // AWS rotates only symmetric encryption keys automatically
		}
		if always, _ := c.t.Bool(k.Prop("EnableKeyRotation")); !always {
			emit(k, k.Prop("EnableKeyRotation"), "key rotation is not enabled")
		}
	}
}

func checkReservedConcurrency(c *checker, emit emitFunc) {
	for _, fn := range c.functions() {
		n := fn.Prop("ReservedConcurrentExecutions")
		for _, v := range c.t.Values(n) {
			switch {
			case v.Absent:
				emit(fn, n, "reserved concurrency is not set: the function can scale to the account's whole concurrency, past what its database and downstream services hold")
			case v.Known && strings.TrimSpace(v.S) == "0":
				emit(fn, n, "reserved concurrency 0 stops every invocation")
			}
		}
	}
}

func checkFunctionURL(c *checker, emit emitFunc) {
	for _, fn := range c.resources(cfn.SAMFunction) {
		for _, cfg := range c.t.Branches(fn.Prop("FunctionUrlConfig")) {
			if cfg != nil {
				c.urlAuth(fn, cfg, emit)
			}
		}
	}
	for _, u := range c.resources("AWS::Lambda::Url") {
		c.urlAuth(u, u.Properties, emit)
	}
}

func (c *checker) urlAuth(r *cfn.Resource, cfg *cfn.Node, emit emitFunc) {
	for _, v := range c.t.Values(cfg.Get("AuthType")) {
		if !v.Known || v.S != "AWS_IAM" {
			emit(r, cfg.Get("AuthType"), "function URL with AuthType %s skips API Gateway's throttling, WAF and access logs; remove it or use AWS_IAM", orUnknown(v))
			return
		}
	}
}

func orUnknown(v cfn.Val) string {
	switch {
	case v.Absent:
		return "(missing)"
	case !v.Known:
		return "(not known)"
	}
	return v.S
}

func checkFunctionTracing(c *checker, emit emitFunc) {
	for _, fn := range c.functions() {
		n := fn.Prop("Tracing")
		if fn.Type == lambdaFunction {
			n = fn.Prop("TracingConfig", "Mode")
		}
		for _, v := range c.t.Values(n) {
			if !v.Known || v.S != "Active" {
				emit(fn, n, "X-Ray active tracing is off (tracing mode %s)", orUnknown(v))
				break
			}
		}
	}
}
