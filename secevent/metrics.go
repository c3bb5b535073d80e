package secevent

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

// Defaults of [MetricsConfig].
const (
	DefaultNamespace     = "lambdasec"
	DefaultFlushInterval = time.Minute
)

// EMF limits from the CloudWatch Embedded Metric Format specification.
const (
	maxMetricsPerDocument = 100
	maxRoutes             = 100 // distinct routes tracked; more share "other"
)

// ErrInvalidConfig is returned by [NewMetrics] for a bad configuration;
// always wrapped, use errors.Is.
var ErrInvalidConfig = errors.New("secevent: invalid configuration")

// MetricsConfig configures [NewMetrics].
type MetricsConfig struct {
	// Namespace is the CloudWatch namespace. Zero means "lambdasec".
	Namespace string
	// Service is the value of the "service" dimension on every metric.
	// Zero means AWS_LAMBDA_FUNCTION_NAME, or "service" outside Lambda.
	Service string
	// PerRoute also counts each event per route, under the dimensions
	// (service, route). Routes beyond the first 100 seen are counted as
	// "other", so a flood of distinct paths cannot blow up the bill.
	PerRoute bool
	// Out receives the EMF documents, one JSON object per line. Zero
	// means os.Stdout, which Lambda sends to CloudWatch Logs, where the
	// documents become metrics.
	Out io.Writer
	// Logger receives write failures. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Metrics is a [Sink] that counts events per name (and per route with
// PerRoute) and writes the counts in CloudWatch Embedded Metric Format on
// [Metrics.Flush]. Create it with [NewMetrics]; it is safe for concurrent
// use.
//
// On Lambda, flush at the end of every invocation ([Metrics.Handler] does)
// since the environment may be frozen or ended afterwards; elsewhere call
// [Metrics.Run] to flush periodically. A flush with nothing counted writes
// nothing.
type Metrics struct {
	namespace, service string
	perRoute           bool
	out                io.Writer
	log                *slog.Logger
	now                func() time.Time

	mu     sync.Mutex
	counts map[countKey]int64
	routes map[string]bool
}

type countKey struct {
	name  Name
	route string // "" for the per-service total
}

// NewMetrics returns a Metrics.
func NewMetrics(cfg MetricsConfig) (*Metrics, error) {
	m := &Metrics{
		namespace: cmp.Or(cfg.Namespace, DefaultNamespace),
		service:   cmp.Or(cfg.Service, os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "service"),
		perRoute:  cfg.PerRoute,
		out:       cmp.Or[io.Writer](cfg.Out, os.Stdout),
		log:       cmp.Or(cfg.Logger, slog.Default()),
		now:       cfg.Now,
		counts:    map[countKey]int64{},
		routes:    map[string]bool{},
	}
	if m.now == nil {
		m.now = time.Now
	}
	if len(m.namespace) > 255 || len(m.service) > 1024 {
		return nil, fmt.Errorf("%w: Namespace is at most 255 bytes and Service at most 1024", ErrInvalidConfig)
	}
	return m, nil
}

// Record counts e.
func (m *Metrics) Record(_ context.Context, e Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[countKey{name: e.Name}]++
	if m.perRoute && e.Route != "" {
		route := e.Route
		if !m.routes[route] {
			if len(m.routes) >= maxRoutes {
				route = "other"
			}
			m.routes[route] = true
		}
		m.counts[countKey{name: e.Name, route: route}]++
	}
}

// Flush writes the counts since the last flush and resets them: one EMF
// document for the per-service totals and one per route, each holding at
// most 100 metrics. Counts whose document could not be written are lost,
// and the error says so.
func (m *Metrics) Flush() error {
	m.mu.Lock()
	counts := m.counts
	m.counts = make(map[countKey]int64, len(counts))
	m.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, doc := range m.documents(counts) {
		b, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("secevent: encode metrics: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	// One write, so lines of concurrent writers to stdout do not interleave.
	if _, err := m.out.Write(buf.Bytes()); err != nil {
		m.log.Error("secevent: write metrics", slog.Any("error", err))
		return fmt.Errorf("secevent: write metrics: %w", err)
	}
	return nil
}

// documents groups counts by route and splits each group into documents
// of at most maxMetricsPerDocument metrics, in a stable order.
func (m *Metrics) documents(counts map[countKey]int64) []map[string]any {
	byRoute := map[string]map[Name]int64{}
	for k, n := range counts {
		if byRoute[k.route] == nil {
			byRoute[k.route] = map[Name]int64{}
		}
		byRoute[k.route][k.name] = n
	}
	var docs []map[string]any
	ts := m.now().UnixMilli()
	for _, route := range slices.Sorted(maps.Keys(byRoute)) {
		names := slices.Sorted(maps.Keys(byRoute[route]))
		for chunk := range slices.Chunk(names, maxMetricsPerDocument) {
			docs = append(docs, m.document(ts, route, chunk, byRoute[route]))
		}
	}
	return docs
}

// document builds one EMF document: the _aws metadata naming the metrics
// and dimensions, and the root members they refer to.
func (m *Metrics) document(ts int64, route string, names []Name, counts map[Name]int64) map[string]any {
	dims := []string{"service"}
	doc := map[string]any{"service": m.service}
	if route != "" {
		dims = append(dims, "route")
		doc["route"] = route
	}
	defs := make([]map[string]string, 0, len(names))
	for _, n := range names {
		defs = append(defs, map[string]string{"Name": string(n), "Unit": "Count"})
		doc[string(n)] = counts[n]
	}
	doc["_aws"] = map[string]any{
		"Timestamp": ts,
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  m.namespace,
			"Dimensions": [][]string{dims},
			"Metrics":    defs,
		}},
	}
	return doc
}

// Run flushes every interval (zero means one minute) until ctx ends, then
// flushes once more. Use it outside Lambda.
func (m *Metrics) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(cmp.Or(interval, DefaultFlushInterval))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = m.Flush()
			return
		case <-t.C:
			_ = m.Flush()
		}
	}
}

// Handler returns middleware that flushes after every request. On Lambda
// each request is one invocation, and the environment may be frozen as
// soon as it returns, so this is where counts must leave the process.
func (m *Metrics) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { _ = m.Flush() }()
		next.ServeHTTP(w, r)
	})
}
