package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/cloudwatch"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/awslabs/goformation/v7/intrinsics"
	"github.com/lambdasec/lambdasec/dbconn"
)

// The template test parses template.yaml with goformation and checks the
// deployment properties the security guide asks for, so that an edit that
// drops one fails the build. TestTemplateChecksCatchBreakage proves each
// check can fail.

// stack is a parsed template. References to resources are kept as tokens
// ("ref:Name", "getatt:Name.Attr") instead of being resolved to nothing as
// goformation does by default, so checks can follow them; references to
// parameters resolve to the parameter's default (or override).
type stack struct {
	tpl *cloudformation.Template
	raw map[string]any // the same document, for properties goformation does not model
}

func parseTemplate(data []byte, params map[string]any) (*stack, error) {
	opts := &intrinsics.ProcessorOptions{
		ParameterOverrides: params,
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
			"Ref":        refToken,
			"Fn::GetAtt": getAttToken,
			// Keep ${...} as written: the default handler drops every
			// reference it cannot resolve.
			"Fn::Sub": func(_ string, in, _ any) any {
				if l, ok := in.([]any); ok && len(l) > 0 {
					return l[0]
				}
				return in
			},
		},
	}
	processed, err := intrinsics.ProcessYAML(data, opts)
	if err != nil {
		return nil, err
	}
	s := &stack{tpl: &cloudformation.Template{}}
	if err := json.Unmarshal(processed, &s.raw); err != nil {
		return nil, err
	}
	// goformation's schema names SAM's HttpApi AccessLogSettings in the
	// singular and refuses unknown fields: rename it for the typed parse.
	var fixed map[string]any
	if err := json.Unmarshal(processed, &fixed); err != nil {
		return nil, err
	}
	res, _ := fixed["Resources"].(map[string]any)
	for _, r := range res {
		r, _ := r.(map[string]any)
		p, _ := r["Properties"].(map[string]any)
		if r["Type"] == "AWS::Serverless::HttpApi" && p["AccessLogSettings"] != nil {
			p["AccessLogSetting"] = p["AccessLogSettings"]
			delete(p, "AccessLogSettings")
		}
	}
	typed, err := json.Marshal(fixed)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(typed, s.tpl); err != nil {
		return nil, err
	}
	return s, nil
}

func refToken(_ string, in, tpl any) any {
	name, _ := in.(string)
	if strings.HasPrefix(name, "AWS::") {
		return "${" + name + "}"
	}
	root, _ := tpl.(map[string]any)
	params, _ := root["Parameters"].(map[string]any)
	if p, ok := params[name].(map[string]any); ok {
		if d, ok := p["Default"]; ok {
			return d
		}
		if typ, _ := p["Type"].(string); strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" {
			return []any{"ref:" + name}
		}
	}
	return "ref:" + name
}

func getAttToken(_ string, in, _ any) any {
	switch v := in.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return "getatt:" + strings.Join(parts, ".")
	case string:
		return "getatt:" + v
	}
	return nil
}

func (s *stack) function() (*serverless.Function, error) {
	return s.tpl.GetServerlessFunctionWithName("Function")
}

// props returns the raw Properties of a resource.
func (s *stack) props(name string) map[string]any {
	res, _ := s.raw["Resources"].(map[string]any)
	r, _ := res[name].(map[string]any)
	p, _ := r["Properties"].(map[string]any)
	return p
}

// typeOf returns the resource type of the resource a token names.
func (s *stack) typeOf(token string) string {
	name := strings.TrimPrefix(strings.TrimPrefix(token, "ref:"), "getatt:")
	name, _, _ = strings.Cut(name, ".")
	if r, ok := s.tpl.Resources[name]; ok {
		return r.AWSCloudFormationType()
	}
	return ""
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// templateChecks are the guide's deployment rules. Each returns nil when the
// template follows the rule.
var templateChecks = []struct {
	name  string
	check func(*stack) error
}{
	{"function runs the bootstrap on provided.al2023", checkRuntime},
	{"http api throttles the stage at 1000 rps, burst 2000", checkThrottling},
	{"http api writes json access logs", checkAccessLogs},
	{"function runs in private subnets", checkPrivateSubnets},
	{"function security group reaches only the database, cache and endpoint ports", checkSecurityGroups},
	{"reserved concurrency fits the database", checkReservedConcurrency},
	{"environment encrypted with a customer managed key", checkEnvEncryption},
	{"x-ray active tracing", checkTracing},
	{"no function url", checkNoFunctionURL},
	{"role limited to the secret, logs, network interfaces and x-ray", checkRole},
	{"alarms on errors, throttles, 4xx, 5xx, rds cpu and connections", checkAlarms},
	{"database requires tls and its secret has the rds shape", checkDatabase},
	{"alarms on failed-login and token-refusal spikes", checkSecurityEventAlarms},
}

func checkRuntime(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if got := str(f.Runtime); got != "provided.al2023" {
		return fmt.Errorf("Runtime %q, want provided.al2023", got)
	}
	if got := str(f.Handler); got != "bootstrap" {
		return fmt.Errorf("Handler %q, want bootstrap", got)
	}
	return nil
}

func checkThrottling(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if len(f.Events) == 0 {
		return errors.New("function has no events")
	}
	for name, ev := range f.Events {
		if ev.Type != "HttpApi" || ev.Properties == nil || ev.Properties.HttpApiEvent == nil {
			return fmt.Errorf("event %s is %s, want HttpApi", name, ev.Type)
		}
		if got := str(ev.Properties.HttpApiEvent.ApiId); got != "ref:Api" {
			return fmt.Errorf("event %s ApiId %q, want the throttled Api", name, got)
		}
	}
	api, err := s.tpl.GetServerlessHttpApiWithName("Api")
	if err != nil {
		return err
	}
	rs := api.DefaultRouteSettings
	if rs == nil || rs.ThrottlingRateLimit == nil || rs.ThrottlingBurstLimit == nil {
		return errors.New("Api has no DefaultRouteSettings throttling")
	}
	if *rs.ThrottlingRateLimit != 1000 || *rs.ThrottlingBurstLimit != 2000 {
		return fmt.Errorf("throttling rate %v burst %d, want 1000 and 2000",
			*rs.ThrottlingRateLimit, *rs.ThrottlingBurstLimit)
	}
	return nil
}

func checkAccessLogs(s *stack) error {
	api, err := s.tpl.GetServerlessHttpApiWithName("Api")
	if err != nil {
		return err
	}
	als := api.AccessLogSetting
	if als == nil {
		return errors.New("Api has no AccessLogSettings")
	}
	dest := str(als.DestinationArn)
	if s.typeOf(dest) != "AWS::Logs::LogGroup" {
		return fmt.Errorf("access logs go to %q, want a log group of this stack", dest)
	}
	format := str(als.Format)
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		return fmt.Errorf("access log format is not a JSON object: %v", err)
	}
	for _, k := range []string{"requestId", "ip", "status", "routeKey", "latency"} {
		if !strings.HasPrefix(fields[k], "$context.") {
			return fmt.Errorf("access log format lacks %q", k)
		}
	}
	return nil
}

func checkPrivateSubnets(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if f.VpcConfig == nil {
		return errors.New("function has no VpcConfig")
	}
	if !slices.Equal(f.VpcConfig.SubnetIds, []string{"ref:PrivateSubnetIds"}) {
		return fmt.Errorf("SubnetIds %v, want the PrivateSubnetIds parameter", f.VpcConfig.SubnetIds)
	}
	if !slices.Equal(f.VpcConfig.SecurityGroupIds, []string{"ref:FunctionSecurityGroup"}) {
		return fmt.Errorf("SecurityGroupIds %v, want [FunctionSecurityGroup]", f.VpcConfig.SecurityGroupIds)
	}
	return nil
}

// onlyPlaceholderEgress reports whether a security group's inline egress is
// the single loopback rule that removes EC2's allow-all default.
func onlyPlaceholderEgress(sg *ec2.SecurityGroup) bool {
	return len(sg.SecurityGroupEgress) == 1 && str(sg.SecurityGroupEgress[0].CidrIp) == "127.0.0.1/32" &&
		sg.SecurityGroupEgress[0].CidrIpv6 == nil && sg.SecurityGroupEgress[0].DestinationSecurityGroupId == nil
}

func checkSecurityGroups(s *stack) error {
	fsg, err := s.tpl.GetEC2SecurityGroupWithName("FunctionSecurityGroup")
	if err != nil {
		return err
	}
	if !onlyPlaceholderEgress(fsg) {
		return errors.New("FunctionSecurityGroup inline egress must be only the 127.0.0.1/32 placeholder (else EC2 allows all egress)")
	}
	type rule struct {
		peer string
		port int
	}
	want := []rule{{"ref:DatabaseSecurityGroup", 3306}, {"ref:CacheSecurityGroup", 6379}, {"ref:EndpointSecurityGroup", 443}}
	var got []rule
	for name, e := range s.tpl.GetAllEC2SecurityGroupEgressResources() {
		if e.GroupId != "ref:FunctionSecurityGroup" {
			continue
		}
		if e.CidrIp != nil || e.CidrIpv6 != nil || e.DestinationPrefixListId != nil || e.DestinationSecurityGroupId == nil {
			return fmt.Errorf("egress %s is not limited to a security group", name)
		}
		if e.IpProtocol != "tcp" || num(e.FromPort) != num(e.ToPort) {
			return fmt.Errorf("egress %s must be one TCP port", name)
		}
		got = append(got, rule{*e.DestinationSecurityGroupId, num(e.FromPort)})
	}
	cmp := func(a, b rule) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		return fmt.Errorf("function egress %v, want %v", got, want)
	}

	db, err := s.tpl.GetRDSDBInstanceWithName("Database")
	if err != nil {
		return err
	}
	if !slices.Equal(db.VPCSecurityGroups, []string{"ref:DatabaseSecurityGroup"}) {
		return fmt.Errorf("database security groups %v, want [DatabaseSecurityGroup]", db.VPCSecurityGroups)
	}
	if db.PubliclyAccessible == nil || *db.PubliclyAccessible {
		return errors.New("database must set PubliclyAccessible: false")
	}
	dsg, err := s.tpl.GetEC2SecurityGroupWithName("DatabaseSecurityGroup")
	if err != nil {
		return err
	}
	if len(dsg.SecurityGroupIngress) != 0 {
		return errors.New("DatabaseSecurityGroup must not have inline ingress")
	}
	n := 0
	for name, in := range s.tpl.GetAllEC2SecurityGroupIngressResources() {
		if str(in.GroupId) != "ref:DatabaseSecurityGroup" {
			continue
		}
		if str(in.SourceSecurityGroupId) != "ref:FunctionSecurityGroup" || in.CidrIp != nil || in.CidrIpv6 != nil ||
			in.IpProtocol != "tcp" || num(in.FromPort) != 3306 || num(in.ToPort) != 3306 {
			return fmt.Errorf("database ingress %s must be TCP 3306 from FunctionSecurityGroup only", name)
		}
		n++
	}
	if n == 0 {
		return errors.New("no database ingress from the function")
	}
	return nil
}

// Connection arithmetic shared with README.md: the database's
// max_connections, the connections kept for the admin, secret rotation and
// migrations, and one connection per Lambda environment.
const (
	dbReserveConnections = 10
	dbPerEnvironment     = 1
)

func checkReservedConcurrency(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	rc := num(f.ReservedConcurrentExecutions)
	if rc <= 0 {
		return errors.New("function has no ReservedConcurrentExecutions")
	}
	pg, err := s.tpl.GetRDSDBParameterGroupWithName("DBParameterGroup")
	if err != nil {
		return err
	}
	params, _ := pg.Parameters.(map[string]any)
	var maxConns int
	if _, err := fmt.Sscan(fmt.Sprint(params["max_connections"]), &maxConns); err != nil || maxConns <= 0 {
		return fmt.Errorf("DBParameterGroup max_connections %v is not a number", params["max_connections"])
	}
	_, err = dbconn.Plan(dbconn.PlanConfig{
		ReservedConcurrency: rc,
		MaxConnections:      maxConns,
		Reserve:             dbReserveConnections,
		PerEnvironment:      dbPerEnvironment,
	})
	return err
}

func checkEnvEncryption(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if f.Environment == nil || len(f.Environment.Variables) == 0 {
		return errors.New("function has no environment")
	}
	key := str(f.KmsKeyArn)
	if !strings.HasPrefix(key, "getatt:") || !strings.HasSuffix(key, ".Arn") || s.typeOf(key) != "AWS::KMS::Key" {
		return fmt.Errorf("KmsKeyArn %q, want the Arn of a customer managed key in this stack", key)
	}
	k, err := s.tpl.GetKMSKeyWithName(strings.TrimSuffix(strings.TrimPrefix(key, "getatt:"), ".Arn"))
	if err != nil {
		return err
	}
	if k.EnableKeyRotation == nil || !*k.EnableKeyRotation {
		return errors.New("the environment key must have EnableKeyRotation: true")
	}
	return nil
}

func checkTracing(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if got := str(f.Tracing); got != "Active" {
		return fmt.Errorf("Tracing %q, want Active", got)
	}
	return nil
}

func checkNoFunctionURL(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if f.FunctionUrlConfig != nil {
		return errors.New("function has a FunctionUrlConfig: it would bypass the API's throttling and logs")
	}
	for name, r := range s.tpl.Resources {
		if r.AWSCloudFormationType() == "AWS::Lambda::Url" {
			return fmt.Errorf("%s is a function URL", name)
		}
		if r.AWSCloudFormationType() == "AWS::Lambda::Permission" && s.props(name)["FunctionUrlAuthType"] != nil {
			return fmt.Errorf("%s grants function URL access", name)
		}
	}
	return nil
}

// roleGrants lists every action the function's role may have, with the one
// resource each is allowed on.
// secretGrants names the one secret each policy may read: the database
// login, and the signing key (JWT_SECRET_ID).
var secretGrants = map[string]string{"database-secret": "ref:DBSecret", "signing-key": "ref:JwtKeySecret"}

var roleGrants = map[string]string{
	"secretsmanager:GetSecretValue":  "ref:DBSecret", // or the signing key: see secretGrants
	"kms:Decrypt":                    "getatt:AppKey.Arn",
	"logs:CreateLogStream":           "getatt:FunctionLogGroup.Arn", // the Arn ends in ":*", covering its streams
	"logs:PutLogEvents":              "getatt:FunctionLogGroup.Arn",
	"ec2:CreateNetworkInterface":     "*",
	"ec2:DescribeNetworkInterfaces":  "*",
	"ec2:DescribeSubnets":            "*",
	"ec2:DeleteNetworkInterface":     "*",
	"ec2:AssignPrivateIpAddresses":   "*",
	"ec2:UnassignPrivateIpAddresses": "*",
	"xray:PutTraceSegments":          "*",
	"xray:PutTelemetryRecords":       "*",
}

func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func checkRole(s *stack) error {
	f, err := s.function()
	if err != nil {
		return err
	}
	if got := str(f.Role); got != "getatt:FunctionRole.Arn" {
		return fmt.Errorf("function Role %q, want FunctionRole", got)
	}
	if f.Policies != nil {
		return errors.New("function must not add SAM Policies to its role")
	}
	role, err := s.tpl.GetIAMRoleWithName("FunctionRole")
	if err != nil {
		return err
	}
	if len(role.ManagedPolicyArns) != 0 {
		return fmt.Errorf("FunctionRole has managed policies %v", role.ManagedPolicyArns)
	}
	for name, r := range s.tpl.Resources {
		switch r.AWSCloudFormationType() {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy":
			return fmt.Errorf("%s may attach more permissions to the role", name)
		}
	}
	seen := map[string]bool{}
	for _, p := range role.Policies {
		doc, _ := p.PolicyDocument.(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			m, _ := st.(map[string]any)
			if m["Effect"] != "Allow" || m["NotAction"] != nil || m["NotResource"] != nil {
				return fmt.Errorf("policy %s: only plain Allow statements are expected", p.PolicyName)
			}
			res := stringList(m["Resource"])
			for _, a := range stringList(m["Action"]) {
				want, ok := roleGrants[a]
				if !ok {
					return fmt.Errorf("policy %s grants %s, which the function does not need", p.PolicyName, a)
				}
				if w, ok := secretGrants[p.PolicyName]; ok && a == "secretsmanager:GetSecretValue" {
					want = w
				}
				if !slices.Equal(res, []string{want}) {
					return fmt.Errorf("policy %s grants %s on %v, want only %s", p.PolicyName, a, res, want)
				}
				seen[a] = true
			}
		}
	}
	for _, a := range []string{"secretsmanager:GetSecretValue", "logs:PutLogEvents", "ec2:CreateNetworkInterface"} {
		if !seen[a] {
			return fmt.Errorf("FunctionRole lacks %s", a)
		}
	}
	if got := f.Environment.Variables["DB_SECRET_ID"]; got != roleGrants["secretsmanager:GetSecretValue"] {
		return fmt.Errorf("DB_SECRET_ID is %q, not the secret the role may read", got)
	}
	return nil
}

func checkAlarms(s *stack) error {
	want := []struct{ namespace, metric, dim, target string }{
		{"AWS/Lambda", "Errors", "FunctionName", "ref:Function"},
		{"AWS/Lambda", "Throttles", "FunctionName", "ref:Function"},
		{"AWS/ApiGateway", "4xx", "ApiId", "ref:Api"},
		{"AWS/ApiGateway", "5xx", "ApiId", "ref:Api"},
		{"AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "ref:Database"},
		{"AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", "ref:Database"},
	}
	alarms := s.tpl.GetAllCloudWatchAlarmResources()
	for _, w := range want {
		found := false
		for _, a := range alarms {
			if str(a.Namespace) == w.namespace && str(a.MetricName) == w.metric &&
				slices.ContainsFunc(a.Dimensions, func(d cloudwatch.Alarm_Dimension) bool {
					return d.Name == w.dim && d.Value == w.target
				}) {
				if !slices.ContainsFunc(a.AlarmActions, func(t string) bool { return s.typeOf(t) == "AWS::SNS::Topic" }) {
					return fmt.Errorf("alarm on %s %s does not notify an SNS topic", w.namespace, w.metric)
				}
				for _, t := range a.AlarmActions {
					topic, err := s.tpl.GetSNSTopicWithName(strings.TrimPrefix(t, "ref:"))
					// CloudWatch cannot publish to a topic under the AWS
					// managed SNS key: the alarm would fire into nothing.
					if err == nil && str(topic.KmsMasterKeyId) == "alias/aws/sns" {
						return fmt.Errorf("alarm topic %s uses alias/aws/sns, which CloudWatch cannot use", t)
					}
				}
				found = true
			}
		}
		if !found {
			return fmt.Errorf("no alarm on %s %s for %s", w.namespace, w.metric, w.target)
		}
	}
	return nil
}

// checkSecurityEventAlarms: the security events the service counts in
// Embedded Metric Format (namespace trialbalance, dimension service) have
// alarms that notify the topic.
func checkSecurityEventAlarms(s *stack) error {
	for _, metric := range []string{"authn_login_fail", "authn_token_invalid"} {
		found := false
		for _, a := range s.tpl.GetAllCloudWatchAlarmResources() {
			if str(a.Namespace) != "trialbalance" || str(a.MetricName) != metric {
				continue
			}
			if !slices.ContainsFunc(a.Dimensions, func(d cloudwatch.Alarm_Dimension) bool {
				return d.Name == "service" && d.Value == "${AWS::StackName}-api"
			}) {
				return fmt.Errorf("alarm on %s does not select the function's service dimension", metric)
			}
			if !slices.ContainsFunc(a.AlarmActions, func(t string) bool { return s.typeOf(t) == "AWS::SNS::Topic" }) {
				return fmt.Errorf("alarm on %s notifies no topic", metric)
			}
			found = true
		}
		if !found {
			return fmt.Errorf("no alarm on the %s count", metric)
		}
	}
	return nil
}

func checkDatabase(s *stack) error {
	pg, err := s.tpl.GetRDSDBParameterGroupWithName("DBParameterGroup")
	if err != nil {
		return err
	}
	params, _ := pg.Parameters.(map[string]any)
	if fmt.Sprint(params["require_secure_transport"]) != "1" {
		return errors.New("DBParameterGroup must set require_secure_transport to 1")
	}
	db, err := s.tpl.GetRDSDBInstanceWithName("Database")
	if err != nil {
		return err
	}
	if str(db.DBParameterGroupName) != "ref:DBParameterGroup" {
		return errors.New("database does not use DBParameterGroup")
	}
	if db.StorageEncrypted == nil || !*db.StorageEncrypted {
		return errors.New("database storage must be encrypted")
	}
	att, err := s.tpl.GetSecretsManagerSecretTargetAttachmentWithName("DBSecretAttachment")
	if err != nil {
		return err
	}
	if att.SecretId != "ref:DBSecret" || att.TargetId != "ref:Database" {
		return errors.New("DBSecretAttachment must attach DBSecret to Database (host, port, dbname in the secret)")
	}
	return nil
}

func readTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTemplate(t *testing.T) {
	data := readTemplate(t)
	for _, params := range []map[string]any{
		nil,
		// The largest reserved concurrency the template accepts must fit too.
		{"ReservedConcurrency": 90},
	} {
		s, err := parseTemplate(data, params)
		if err != nil {
			t.Fatalf("parse template.yaml: %v", err)
		}
		for _, tc := range templateChecks {
			t.Run(fmt.Sprintf("%s/%v", tc.name, params), func(t *testing.T) {
				if err := tc.check(s); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestTemplateMaxValue keeps the parameter's MaxValue, which CloudFormation
// enforces at deploy time, within what the database can serve.
func TestTemplateMaxValue(t *testing.T) {
	s, err := parseTemplate(readTemplate(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.tpl.Parameters["ReservedConcurrency"]
	if !ok || p.MaxValue == nil {
		t.Fatal("ReservedConcurrency parameter has no MaxValue")
	}
	s, err = parseTemplate(readTemplate(t), map[string]any{"ReservedConcurrency": *p.MaxValue})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkReservedConcurrency(s); err != nil {
		t.Errorf("MaxValue %v: %v", *p.MaxValue, err)
	}
}

// TestTemplateChecksCatchBreakage applies one-line edits that break a rule
// and expects the matching check to fail, so the checks above cannot pass
// by accident.
func TestTemplateChecksCatchBreakage(t *testing.T) {
	data := string(readTemplate(t))
	tests := []struct {
		name   string
		check  func(*stack) error
		params map[string]any
		old    string
		new    string
	}{
		{name: "go1.x runtime", check: checkRuntime, old: "Runtime: provided.al2023", new: "Runtime: go1.x"},
		{name: "no failed-login alarm", check: checkSecurityEventAlarms, old: "MetricName: authn_login_fail", new: "MetricName: authn_login_success"},
		{name: "token alarm on another service", check: checkSecurityEventAlarms, old: "      MetricName: authn_token_invalid\n      Dimensions:\n        - Name: service", new: "      MetricName: authn_token_invalid\n      Dimensions:\n        - Name: function"},
		{name: "no burst limit", check: checkThrottling, old: "ThrottlingBurstLimit: 2000", new: "ThrottlingBurstLimit: 5000"},
		{name: "text access logs", check: checkAccessLogs, old: `{"requestId":"$context.requestId",`, new: `$context.requestId {"a":"b",`},
		{name: "public subnets", check: checkPrivateSubnets, old: "SubnetIds: !Ref PrivateSubnetIds\n        SecurityGroupIds", new: "SubnetIds: [subnet-public]\n        SecurityGroupIds"},
		{name: "allow-all egress", check: checkSecurityGroups, old: "trialbalance function\n      VpcId: !Ref VpcId\n      SecurityGroupEgress:\n        - Description: placeholder that removes the allow-all default\n          IpProtocol: \"-1\"\n          CidrIp: 127.0.0.1/32", new: "trialbalance function\n      VpcId: !Ref VpcId"},
		{name: "egress to the internet", check: checkSecurityGroups, old: "DestinationSecurityGroupId: !Ref EndpointSecurityGroup", new: "CidrIp: 0.0.0.0/0"},
		{name: "database open to a cidr", check: checkSecurityGroups, old: "SourceSecurityGroupId: !Ref FunctionSecurityGroup\n      IpProtocol: tcp\n      FromPort: 3306", new: "CidrIp: 10.0.0.0/8\n      IpProtocol: tcp\n      FromPort: 3306"},
		// The guide's numbers: 500 environments cannot share 100 connections.
		{name: "guide's reserved concurrency", check: checkReservedConcurrency, params: map[string]any{"ReservedConcurrency": 500}},
		{name: "max_connections too small", check: checkReservedConcurrency, old: `max_connections: "100"`, new: `max_connections: "50"`},
		{name: "aws managed key", check: checkEnvEncryption, old: "KmsKeyArn: !GetAtt AppKey.Arn", new: "KmsKeyArn: arn:aws:kms:us-east-1:123456789012:alias/aws/lambda"},
		{name: "passthrough tracing", check: checkTracing, old: "Tracing: Active", new: "Tracing: PassThrough"},
		{name: "function url", check: checkNoFunctionURL, old: "      Tracing: Active\n", new: "      Tracing: Active\n      FunctionUrlConfig:\n        AuthType: NONE\n"},
		{name: "every secret", check: checkRole, old: "Resource: !Ref DBSecret", new: "Resource: \"*\""},
		{name: "every secret for the key", check: checkRole, old: "Resource: !Ref JwtKeySecret", new: "Resource: \"*\""},
		{name: "wildcard action", check: checkRole, old: "Action: secretsmanager:GetSecretValue\n                Resource: !Ref DBSecret", new: "Action: secretsmanager:*\n                Resource: !Ref DBSecret"},
		{name: "managed policy", check: checkRole, old: "    Properties:\n      AssumeRolePolicyDocument:", new: "    Properties:\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n      AssumeRolePolicyDocument:"},
		{name: "no 5xx alarm", check: checkAlarms, old: "MetricName: 5xx", new: "MetricName: Count"},
		{name: "alarm without action", check: checkAlarms, old: "      Threshold: 80\n      ComparisonOperator: GreaterThanThreshold\n      AlarmActions:\n        - !Ref AlarmTopic", new: "      Threshold: 80\n      ComparisonOperator: GreaterThanThreshold"},
		{name: "alarm topic under the aws managed key", check: checkAlarms, old: "KmsMasterKeyId: !Ref AppKey", new: "KmsMasterKeyId: alias/aws/sns"},
		{name: "tls not required", check: checkDatabase, old: `require_secure_transport: "1"`, new: `require_secure_transport: "0"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			broken := data
			if tc.old != "" {
				if strings.Count(data, tc.old) != 1 {
					t.Fatalf("edit target %q found %d times, want once", tc.old, strings.Count(data, tc.old))
				}
				broken = strings.Replace(data, tc.old, tc.new, 1)
			}
			s, err := parseTemplate([]byte(broken), tc.params)
			if err != nil {
				t.Fatalf("the edited template does not parse: %v", err)
			}
			err = tc.check(s)
			if err == nil {
				t.Fatal("check passed on the broken template")
			}
			t.Logf("refused as expected: %v", err)
		})
	}
}
