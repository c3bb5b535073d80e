package audit

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// Resource types of API Gateway stages and APIs.
const (
	restStage      = "AWS::ApiGateway::Stage"
	restDeployment = "AWS::ApiGateway::Deployment"
	restAPI        = "AWS::ApiGateway::RestApi"
	httpStage      = "AWS::ApiGatewayV2::Stage"
	httpAPI        = "AWS::ApiGatewayV2::Api"
)

// stage is where a REST or HTTP API's stage settings live: a Stage
// resource, a Deployment that creates its stage, or a SAM API (whose
// properties become the stage's).
type stage struct {
	r    *cfn.Resource
	http bool
	// settings is the map that holds the stage settings (a Deployment's
	// StageDescription; the properties otherwise).
	settings *cfn.Node
}

func (c *checker) stages() []stage {
	var out []stage
	for _, r := range c.resources(cfn.SAMAPI, restStage, restDeployment, cfn.SAMHTTPAPI, httpStage) {
		s := stage{r: r, settings: r.Properties, http: r.Type == cfn.SAMHTTPAPI || r.Type == httpStage}
		if r.Type == restDeployment {
			if r.Prop("StageName") == nil {
				continue // deploys to a Stage resource judged on its own
			}
			s.settings = r.Prop("StageDescription")
		}
		out = append(out, s)
	}
	// An HTTP API created with Target ("quick create") gets a $default
	// stage with no settings when no Stage resource names it.
	for _, api := range c.resources(httpAPI) {
		if p, _ := api.Prop("ProtocolType").Str(); p == "HTTP" && len(c.referrers(api.ID, "ApiId", httpStage)) == 0 {
			out = append(out, stage{r: api, http: true, settings: &cfn.Node{Kind: cfn.Map, Line: api.Line}})
		}
	}
	return out
}

func checkThrottling(c *checker, emit emitFunc) {
	for _, s := range c.stages() {
		rate, burst := throttleNodes(s)
		if rate == nil || burst == nil {
			where := "MethodSettings (HttpMethod \"*\", ResourcePath \"/*\")"
			if s.http {
				where = "DefaultRouteSettings"
			}
			emit(s.r, s.settings, "stage throttling is not set: set ThrottlingRateLimit and ThrottlingBurstLimit in %s", where)
			continue
		}
		if msg := c.overLimit(rate, float64(c.cfg.MaxRate), "ThrottlingRateLimit"); msg != "" {
			emit(s.r, rate, "%s", msg)
		}
		if msg := c.overLimit(burst, float64(c.cfg.MaxBurst), "ThrottlingBurstLimit"); msg != "" {
			emit(s.r, burst, "%s", msg)
		}
	}
}

// throttleNodes finds the stage-wide rate and burst limits.
func throttleNodes(s stage) (rate, burst *cfn.Node) {
	if s.http {
		d := s.settings.Get("DefaultRouteSettings")
		return d.Get("ThrottlingRateLimit"), d.Get("ThrottlingBurstLimit")
	}
	// A Deployment's StageDescription takes them directly.
	rate, burst = s.settings.Get("ThrottlingRateLimit"), s.settings.Get("ThrottlingBurstLimit")
	for _, m := range s.settings.Get("MethodSettings").List() {
		path, _ := m.Get("ResourcePath").Str()
		method, _ := m.Get("HttpMethod").Str()
		if path == "/*" && method == "*" {
			rate, burst = m.Get("ThrottlingRateLimit"), m.Get("ThrottlingBurstLimit")
		}
	}
	return rate, burst
}

func (c *checker) overLimit(n *cfn.Node, limit float64, name string) string {
	for _, v := range c.t.Values(n) {
		f, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64)
		switch {
		case !v.Known || err != nil:
			return name + " is not a known number, so the limit cannot be checked"
		case f > limit:
			return name + " " + v.S + " is above the allowed " + strconv.FormatFloat(limit, 'f', -1, 64)
		}
	}
	return ""
}

func checkAccessLogs(c *checker, emit emitFunc) {
	for _, s := range c.stages() {
		key := "AccessLogSetting"
		if s.http {
			key = "AccessLogSettings"
		}
		for _, set := range c.t.Branches(s.settings.Get(key)) {
			switch {
			case set.Get("DestinationArn") == nil:
				emit(s.r, s.settings, "access logging is off: %s.DestinationArn is not set", key)
			case set.Get("Format") == nil:
				emit(s.r, set, "access log has no Format; set a JSON format")
			default:
				if msg := c.jsonFormat(set.Get("Format")); msg != "" {
					emit(s.r, set.Get("Format"), "%s", msg)
				}
			}
		}
	}
}

// contextVar matches API Gateway's $context and $stageVariables
// references in a log format.
var contextVar = regexp.MustCompile(`\$(context|stageVariables)(\.[A-Za-z0-9_]+)+`)

// jsonFormat checks that a known log format is a JSON object once each
// $context variable is replaced by a value (quoted variables stay strings,
// bare ones become numbers).
func (c *checker) jsonFormat(n *cfn.Node) string {
	for _, v := range c.t.Values(n) {
		if !v.Known {
			continue // a format from a parameter or import cannot be judged
		}
		doc := strings.TrimSpace(contextVar.ReplaceAllString(v.S, "0"))
		if !strings.HasPrefix(doc, "{") || !json.Valid([]byte(doc)) {
			return "access log Format is not a JSON object; use JSON so log queries and alerts can parse it"
		}
	}
	return ""
}

func checkWAF(c *checker, emit emitFunc) {
	assocs := c.resources("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")
	for _, api := range c.resources(cfn.SAMAPI, restAPI) {
		ids := []string{api.ID}
		for _, st := range c.referrers(api.ID, "RestApiId", restStage) {
			ids = append(ids, st.ID)
		}
		if !associated(assocs, ids) {
			emit(api, nil, "REST API has no WAF web ACL: no AWS::WAFv2::WebACLAssociation names its stage")
		}
	}
}

func associated(assocs []*cfn.Resource, ids []string) bool {
	for _, a := range assocs {
		for _, id := range ids {
			if cfn.RefersTo(a.Prop("ResourceArn"), id) {
				return true
			}
		}
	}
	return false
}

func checkWAFHTTP(c *checker, emit emitFunc) {
	for _, api := range c.resources(cfn.SAMHTTPAPI, httpAPI) {
		if p, _ := api.Prop("ProtocolType").Str(); api.Type == httpAPI && p != "HTTP" {
			continue // a WebSocket API
		}
		emit(api, nil, "HTTP APIs cannot take a WAF web ACL; if you need one, put CloudFront with a web ACL in front, or use a REST API")
	}
}

func checkAPITracing(c *checker, emit emitFunc) {
	for _, s := range c.stages() {
		if s.http {
			continue // HTTP APIs do not support X-Ray
		}
		if always, _ := c.t.Bool(s.settings.Get("TracingEnabled")); !always {
			emit(s.r, s.settings.Get("TracingEnabled"), "X-Ray tracing is not enabled on the stage")
		}
	}
}
