package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// template-rest.yaml is the REST API variant of template.yaml: the same
// stack with an API Gateway REST API in front, a Lambda authorizer
// (examples/authorizer), request validation and an AWS WAF web ACL. These
// tests check its front door and that nothing else drifts from
// template.yaml.

func readRestTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("template-rest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// restChecks are the rules for the REST front door.
var restChecks = []struct {
	name  string
	check func(*stack) error
}{
	{"rest api throttles every method at 1000 rps, burst 2000", checkRestThrottling},
	{"rest api writes json access logs with the authorizer's result", checkRestAccessLogs},
	{"authorizer guards every route but health, register, login and refresh", checkRestAuthorizer},
	{"authorizer cache ttl is a parameter of at most an hour", checkAuthorizerTTL},
	{"request validator checks bodies and required query parameters", checkRequestValidation},
	{"waf web acl with a rate rule is associated with the stage", checkWAF},
	{"authorizer function is private, encrypted, traced and reaches only the cache", checkAuthorizerFunction},
	{"alarms on rest 4xx and 5xx and on the authorizer's errors and throttles", checkRestAlarms},
}

func TestRestTemplate(t *testing.T) {
	s, err := parseTemplate(readRestTemplate(t), nil)
	if err != nil {
		t.Fatalf("parse template-rest.yaml: %v", err)
	}
	shared := []func(*stack) error{checkRuntime, checkPrivateSubnets, checkSecurityGroups, checkReservedConcurrency,
		checkEnvEncryption, checkTracing, checkNoFunctionURL, checkRole, checkDatabase}
	for i, check := range shared {
		t.Run(fmt.Sprintf("shared-%d", i), func(t *testing.T) {
			if err := check(s); err != nil {
				t.Error(err)
			}
		})
	}
	for _, tc := range restChecks {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(s); err != nil {
				t.Error(err)
			}
		})
	}
}

// frontDoor lists what the REST variant may change: the API itself, the
// authorizer's resources and the alarms keyed by the API.
var frontDoor = []string{"Api", "Api4xxAlarm", "Api5xxAlarm", "AuthorizerFunction", "AuthorizerRole",
	"AuthorizerLogGroup", "AuthorizerSecurityGroup", "AuthorizerToCache", "CacheFromAuthorizer", "AuthorizerToEndpoint", "EndpointFromAuthorizer", "WebAcl", "WebAclAssociation",
	"AuthorizerErrorsAlarm", "AuthorizerThrottlesAlarm"}

// TestRestTemplateMatchesHTTPTemplate: every other resource, and the
// function apart from its events, is the same in both templates, so a
// security fix in one cannot be forgotten in the other.
func TestRestTemplateMatchesHTTPTemplate(t *testing.T) {
	httpT, err := parseTemplate(readTemplate(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	restT, err := parseTemplate(readRestTemplate(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	hr := httpT.raw["Resources"].(map[string]any)
	rr := restT.raw["Resources"].(map[string]any)
	for name, res := range hr {
		if slices.Contains(frontDoor, name) {
			continue
		}
		other, ok := rr[name]
		if !ok {
			t.Errorf("%s is missing from template-rest.yaml", name)
			continue
		}
		if name == "Function" {
			res, other = withoutEvents(res), withoutEvents(other)
		}
		if !reflect.DeepEqual(res, other) {
			t.Errorf("%s differs between the templates", name)
		}
	}
	for name := range rr {
		if _, ok := hr[name]; !ok && !slices.Contains(frontDoor, name) {
			t.Errorf("template-rest.yaml adds %s, which is not part of the front door", name)
		}
	}
	if !reflect.DeepEqual(httpT.raw["Parameters"].(map[string]any)["ReservedConcurrency"], restT.raw["Parameters"].(map[string]any)["ReservedConcurrency"]) {
		t.Error("ReservedConcurrency differs")
	}
}

func withoutEvents(v any) any {
	m := v.(map[string]any)
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	p := map[string]any{}
	for k, x := range m["Properties"].(map[string]any) {
		if k != "Events" {
			p[k] = x
		}
	}
	out["Properties"] = p
	return out
}

func restAPI(s *stack) map[string]any { return s.props("Api") }

func checkRestThrottling(s *stack) error {
	for _, ms := range asList(restAPI(s)["MethodSettings"]) {
		m, _ := ms.(map[string]any)
		if m["ResourcePath"] == "/*" && m["HttpMethod"] == "*" {
			rate, burst := number(m["ThrottlingRateLimit"]), number(m["ThrottlingBurstLimit"])
			if rate <= 0 || rate > 1000 || burst <= 0 || burst > 2000 {
				return fmt.Errorf("stage throttling %v rps burst %v, want at most 1000 and 2000", rate, burst)
			}
			return nil
		}
	}
	return errors.New("no MethodSettings for every resource and method")
}

func checkRestAccessLogs(s *stack) error {
	al, _ := restAPI(s)["AccessLogSetting"].(map[string]any)
	if al == nil || al["DestinationArn"] != "getatt:AccessLogGroup.Arn" {
		return errors.New("no access log destination")
	}
	format, _ := al["Format"].(string)
	if !strings.HasPrefix(strings.TrimSpace(format), "{") || !strings.Contains(format, "$context.requestId") ||
		!strings.Contains(format, "$context.authorizer.error") {
		return fmt.Errorf("access log format is not JSON with the request id and authorizer error: %q", format)
	}
	return nil
}

func checkRestAuthorizer(s *stack) error {
	auth, _ := restAPI(s)["Auth"].(map[string]any)
	def, _ := auth["DefaultAuthorizer"].(string)
	authorizers, _ := auth["Authorizers"].(map[string]any)
	a, _ := authorizers[def].(map[string]any)
	if a == nil || a["FunctionArn"] != "getatt:AuthorizerFunction.Arn" || a["FunctionPayloadType"] != "TOKEN" {
		return fmt.Errorf("default authorizer %q is not the TOKEN authorizer function: %v", def, a)
	}
	id, _ := a["Identity"].(map[string]any)
	if id["Header"] != "Authorization" {
		return fmt.Errorf("identity header %v", id["Header"])
	}
	open := map[string]bool{}
	fn := s.props("Function")
	for name, ev := range fn["Events"].(map[string]any) {
		e := ev.(map[string]any)
		p := e["Properties"].(map[string]any)
		if e["Type"] != "Api" || p["RestApiId"] != "ref:Api" {
			return fmt.Errorf("event %s does not go through the REST API", name)
		}
		if a, _ := p["Auth"].(map[string]any); a != nil && a["Authorizer"] == "NONE" {
			open[fmt.Sprint(p["Method"], " ", p["Path"])] = true
		}
	}
	want := map[string]bool{"GET /healthz": true, "POST /v1/auth/register": true, "POST /v1/auth/login": true,
		// The refresh token is the credential of a refresh, as the password is of a login.
		"POST /v1/auth/refresh": true}
	if !reflect.DeepEqual(open, want) {
		return fmt.Errorf("routes without the authorizer %v, want %v", open, want)
	}
	return nil
}

func checkAuthorizerTTL(s *stack) error {
	auth, _ := restAPI(s)["Auth"].(map[string]any)
	for _, a := range auth["Authorizers"].(map[string]any) {
		id := a.(map[string]any)["Identity"].(map[string]any)
		ttl := number(id["ReauthorizeEvery"])
		p, ok := s.tpl.Parameters["AuthorizerTtl"]
		if !ok || p.MaxValue == nil || *p.MaxValue > 3600 || p.MinValue == nil || *p.MinValue < 0 {
			return errors.New("AuthorizerTtl parameter missing or not bounded to 0..3600")
		}
		if ttl != number(p.Default) || ttl > 300 {
			return fmt.Errorf("ReauthorizeEvery %v is not the AuthorizerTtl parameter (default at most 300)", ttl)
		}
		fn := s.props("AuthorizerFunction")
		env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
		if env["AUTHORIZER_TTL"] != "${AuthorizerTtl}" {
			return errors.New("the authorizer is not told its cache TTL (AUTHORIZER_TTL)")
		}
	}
	return nil
}

func checkRequestValidation(s *stack) error {
	events := s.props("Function")["Events"].(map[string]any)
	for _, name := range []string{"Register", "Login"} {
		p := events[name].(map[string]any)["Properties"].(map[string]any)
		rm, _ := p["RequestModel"].(map[string]any)
		if rm["ValidateBody"] != true || rm["Required"] != true {
			return fmt.Errorf("%s: body not validated: %v", name, rm)
		}
		models, _ := restAPI(s)["Models"].(map[string]any)
		m, _ := models[fmt.Sprint(rm["Model"])].(map[string]any)
		if m == nil || m["additionalProperties"] != false || len(asList(m["required"])) != 2 {
			return fmt.Errorf("%s: model %v does not require both fields and refuse others", name, rm["Model"])
		}
	}
	p := events["TrialBalance"].(map[string]any)["Properties"].(map[string]any)
	required := 0
	for _, rp := range asList(p["RequestParameters"]) {
		for _, v := range rp.(map[string]any) {
			if v.(map[string]any)["Required"] == true {
				required++
			}
		}
	}
	if required != 2 {
		return fmt.Errorf("trial balance: %d required query parameters, want from and to", required)
	}
	return nil
}

func checkWAF(s *stack) error {
	assoc := s.props("WebAclAssociation")
	arn, _ := assoc["ResourceArn"].(string)
	if !strings.Contains(arn, "/restapis/${Api}/stages/prod") || assoc["WebACLArn"] != "getatt:WebAcl.Arn" {
		return fmt.Errorf("web ACL association %v is not the API's stage", assoc)
	}
	acl := s.props("WebAcl")
	if acl["Scope"] != "REGIONAL" {
		return errors.New("web ACL is not REGIONAL")
	}
	for _, r := range asList(acl["Rules"]) {
		st, _ := r.(map[string]any)["Statement"].(map[string]any)
		if rb, ok := st["RateBasedStatement"].(map[string]any); ok && number(rb["Limit"]) > 0 {
			return nil
		}
	}
	return errors.New("web ACL has no rate-based rule")
}

func checkAuthorizerFunction(s *stack) error {
	fn := s.props("AuthorizerFunction")
	vpc, _ := fn["VpcConfig"].(map[string]any)
	if fmt.Sprint(vpc["SubnetIds"]) != "[ref:PrivateSubnetIds]" {
		return fmt.Errorf("authorizer subnets %v", vpc["SubnetIds"])
	}
	if fn["KmsKeyArn"] != "getatt:AppKey.Arn" || fn["Tracing"] != "Active" || fn["ReservedConcurrentExecutions"] == nil {
		return errors.New("authorizer lacks the environment key, active tracing or reserved concurrency")
	}
	for name, r := range s.raw["Resources"].(map[string]any) {
		res := r.(map[string]any)
		p, _ := res["Properties"].(map[string]any)
		cache := p["DestinationSecurityGroupId"] == "ref:CacheSecurityGroup" && number(p["FromPort"]) == 6379 && number(p["ToPort"]) == 6379
		secrets := p["DestinationSecurityGroupId"] == "ref:EndpointSecurityGroup" && number(p["FromPort"]) == 443 && number(p["ToPort"]) == 443
		if res["Type"] == "AWS::EC2::SecurityGroupEgress" && p["GroupId"] == "ref:AuthorizerSecurityGroup" && !cache && !secrets {
			return fmt.Errorf("%s lets the authorizer reach more than the cache and the Secrets Manager endpoint", name)
		}
	}
	policies := fmt.Sprint(s.props("AuthorizerRole")["Policies"])
	if strings.Contains(policies, "Action:*") || strings.Contains(policies, "DBSecret") ||
		strings.Count(policies, "secretsmanager:GetSecretValue") != 1 || !strings.Contains(policies, "Resource:ref:JwtKeySecret") {
		return errors.New("authorizer role reaches beyond logs, network interfaces, the signing key and x-ray")
	}
	return nil
}

func checkRestAlarms(s *stack) error {
	for _, metric := range []string{"Errors", "Throttles"} {
		found := false
		for _, a := range s.tpl.GetAllCloudWatchAlarmResources() {
			if str(a.MetricName) == metric && strings.Contains(fmt.Sprint(a.Dimensions), "ref:AuthorizerFunction") {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("no alarm on the authorizer's %s", metric)
		}
	}
	for _, name := range []string{"Api4xxAlarm", "Api5xxAlarm"} {
		p := s.props(name)
		m, _ := p["MetricName"].(string)
		if !strings.HasSuffix(m, "XXError") || !strings.Contains(fmt.Sprint(p["Dimensions"]), "ApiName") {
			return fmt.Errorf("%s watches %v %v, not the REST API's", name, m, p["Dimensions"])
		}
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case *float64:
		if n != nil {
			return *n
		}
	case string:
		var f float64
		_, _ = fmt.Sscan(n, &f)
		return f
	}
	return 0
}

// TestRestTemplateChecksCatchBreakage: each front-door rule fails on a
// one-line edit that breaks it.
func TestRestTemplateChecksCatchBreakage(t *testing.T) {
	data := string(readRestTemplate(t))
	for _, tc := range []struct {
		name     string
		check    func(*stack) error
		old, new string
	}{
		{"burst above 2000", checkRestThrottling, "ThrottlingBurstLimit: 2000", "ThrottlingBurstLimit: 9000"},
		{"text access log", checkRestAccessLogs, `{"requestId":"$context.requestId",`, `$context.requestId {"x":1,`},
		{"logout left open", checkRestAuthorizer, "            Path: /v1/auth/logout\n            Method: POST\n", "            Path: /v1/auth/logout\n            Method: POST\n            Auth:\n              Authorizer: NONE\n"},
		{"ttl parameter up to a day", checkAuthorizerTTL, "    MaxValue: 3600", "    MaxValue: 86400"},
		{"fixed ttl", checkAuthorizerTTL, "ReauthorizeEvery: !Ref AuthorizerTtl", "ReauthorizeEvery: 3600"},
		{"body not validated", checkRequestValidation, "ValidateBody: true", "ValidateBody: false"},
		{"extra members accepted", checkRequestValidation, "additionalProperties: false", "additionalProperties: true"},
		{"waf on another stage", checkWAF, "stages/prod\n", "stages/dev\n"},
		{"no rate rule", checkWAF, "RateBasedStatement:\n              Limit: 2000", "RateBasedStatement:\n              Limit: 0"},
		{"authorizer untraced", checkAuthorizerFunction, "      MemorySize: 128\n      Timeout: 5\n      Role: !GetAtt AuthorizerRole.Arn\n      ReservedConcurrentExecutions: 50\n      KmsKeyArn: !GetAtt AppKey.Arn\n      Tracing: Active", "      MemorySize: 128\n      Timeout: 5\n      Role: !GetAtt AuthorizerRole.Arn\n      ReservedConcurrentExecutions: 50\n      KmsKeyArn: !GetAtt AppKey.Arn\n      Tracing: PassThrough"},
		{"authorizer reaches the database", checkAuthorizerFunction, "      Description: Redis (ElastiCache)\n      IpProtocol: tcp\n      FromPort: 6379\n      ToPort: 6379\n      DestinationSecurityGroupId: !Ref CacheSecurityGroup\n\n  AuthorizerToEndpoint", "      Description: Redis (ElastiCache)\n      IpProtocol: tcp\n      FromPort: 3306\n      ToPort: 3306\n      DestinationSecurityGroupId: !Ref DatabaseSecurityGroup\n\n  AuthorizerToEndpoint"},
		{"alarm on the http metric", checkRestAlarms, "MetricName: 5XXError", "MetricName: 5xx"},
		{"no authorizer error alarm", checkRestAlarms, "          Value: !Ref AuthorizerFunction\n      Statistic: Sum\n      Period: 60\n      EvaluationPeriods: 5\n      DatapointsToAlarm: 2\n      Threshold: 1\n      ComparisonOperator: GreaterThanOrEqualToThreshold\n      TreatMissingData: notBreaching\n      AlarmActions:\n        - !Ref AlarmTopic\n\n  AuthorizerThrottlesAlarm", "          Value: !Ref Function\n      Statistic: Sum\n      Period: 60\n      EvaluationPeriods: 5\n      DatapointsToAlarm: 2\n      Threshold: 1\n      ComparisonOperator: GreaterThanOrEqualToThreshold\n      TreatMissingData: notBreaching\n      AlarmActions:\n        - !Ref AlarmTopic\n\n  AuthorizerThrottlesAlarm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(data, tc.old) {
				t.Fatalf("template-rest.yaml no longer contains %q", tc.old)
			}
			s, err := parseTemplate([]byte(strings.Replace(data, tc.old, tc.new, 1)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.check(s) == nil {
				t.Fatal("the check passed the broken template")
			}
		})
	}
}
