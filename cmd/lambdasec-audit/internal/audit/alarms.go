package audit

import (
	"slices"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// metric is one metric an alarm watches.
type metric struct {
	namespace, name string
	dims            *cfn.Node // list of {Name, Value}
}

// alarmMetrics returns the metrics of every alarm: the single metric or
// each MetricStat of a metric-math alarm.
func (c *checker) alarmMetrics() []metric {
	var out []metric
	for _, a := range c.resources("AWS::CloudWatch::Alarm") {
		ns, _ := c.singleValue(a.Prop("Namespace"))
		name, _ := c.singleValue(a.Prop("MetricName"))
		if name != "" {
			out = append(out, metric{ns, name, a.Prop("Dimensions")})
		}
		for _, m := range a.Prop("Metrics").List() {
			mm := m.Path("MetricStat", "Metric")
			ns, _ := c.singleValue(mm.Get("Namespace"))
			name, _ := c.singleValue(mm.Get("MetricName"))
			out = append(out, metric{ns, name, mm.Get("Dimensions")})
		}
	}
	return out
}

// watched reports whether an alarm watches one of the metric names for
// resource id: a dimension refers to it, or the alarm has no dimensions
// and so watches the namespace as a whole. For REST APIs an ApiName
// dimension counts, as its value is the API's name, not its id.
func watched(ms []metric, namespace string, names []string, id string, restAPI bool) bool {
	for _, m := range ms {
		if m.namespace != namespace || !slices.Contains(names, m.name) {
			continue
		}
		dims := m.dims.List()
		if len(dims) == 0 || cfn.RefersTo(m.dims, id) {
			return true
		}
		for _, d := range dims {
			if n, _ := d.Get("Name").Str(); restAPI && n == "ApiName" {
				return true
			}
		}
	}
	return false
}

func functionAlarm(metricName string) func(c *checker, emit emitFunc) {
	return func(c *checker, emit emitFunc) {
		ms := c.alarmMetrics()
		for _, fn := range c.functions() {
			if !watched(ms, "AWS/Lambda", []string{metricName}, fn.ID, false) {
				emit(fn, nil, "no CloudWatch alarm on the function's %s metric", metricName)
			}
		}
	}
}

func checkAPIAlarm(c *checker, emit emitFunc) {
	ms := c.alarmMetrics()
	for _, api := range c.resources(cfn.SAMAPI, restAPI, cfn.SAMHTTPAPI, httpAPI) {
		rest := api.Type == cfn.SAMAPI || api.Type == restAPI
		if p, _ := api.Prop("ProtocolType").Str(); api.Type == httpAPI && p != "HTTP" {
			continue
		}
		if !watched(ms, "AWS/ApiGateway", []string{"5XXError", "5xx"}, api.ID, rest) {
			emit(api, nil, "no CloudWatch alarm on the API's server errors (5XXError for REST, 5xx for HTTP APIs)")
		}
	}
}
