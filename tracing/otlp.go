package tracing

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Environment variables of the OpenTelemetry specification that New reads.
const (
	envOTLPEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envOTLPTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envOTELServiceName    = "OTEL_SERVICE_NAME"
	envOTELSampler        = "OTEL_TRACES_SAMPLER"
	envOTELSamplerArg     = "OTEL_TRACES_SAMPLER_ARG"
)

// DefaultOTLPTimeout bounds one export to an OTLP endpoint.
const DefaultOTLPTimeout = 5 * time.Second

// maxOTLPQueued bounds the encoded spans waiting for export outside
// Lambda; beyond it, spans are dropped rather than held in memory.
const maxOTLPQueued = 4 << 20

// maxOTLPBatch bounds one export request outside Lambda.
const maxOTLPBatch = 1 << 20

// otlpEndpoint is the traces URL from cfg or the environment: the
// traces-specific variable as it is, the general one with /v1/traces
// appended, as the OTLP exporter specification says. "" means none.
func otlpEndpoint(cfg Config, getenv func(string) string) (string, error) {
	u := cfg.OTLPEndpoint
	if u == "" {
		u = getenv(envOTLPTracesEndpoint)
		if u == "" {
			if base := getenv(envOTLPEndpoint); base != "" {
				u = strings.TrimSuffix(base, "/") + "/v1/traces"
			}
		}
	}
	if u == "" {
		return "", nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		// The value is not echoed: it may carry credentials.
		return "", fmt.Errorf("%w: want http(s)://host[:port]/path without user info", ErrOTLPEndpoint)
	}
	return u, nil
}

// otlpExporter posts spans, encoded as an OTLP ExportTraceServiceRequest
// in protobuf, to an OTLP/HTTP endpoint. Inside Lambda it posts before
// the request's handler returns, since Lambda freezes the environment
// once the invocation ends; outside Lambda it posts in the background.
type otlpExporter struct {
	url      string
	client   *http.Client
	resource []byte // the encoded Resource, the same for every export
	sync     bool
	log      *slog.Logger

	// Outside Lambda, send queues the encoded requests and one goroutine
	// posts them, as many per request as fit in maxOTLPBatch: protobuf
	// messages concatenated are one message with their repeated fields
	// joined, so the batch is one ExportTraceServiceRequest. The goroutine
	// exits when the queue is empty.
	mu      sync.Mutex
	queue   [][]byte
	queued  int
	running bool
	wg      sync.WaitGroup
}

func newOTLPExporter(endpoint, service, version string, inLambda bool, log *slog.Logger) *otlpExporter {
	var res protoBuf
	res.kv(1, "service.name", service)
	if version != "" {
		res.kv(1, "service.version", version)
	}
	res.kv(1, "telemetry.sdk.name", "lambdasec/tracing")
	if inLambda {
		res.kv(1, "cloud.provider", "aws")
		res.kv(1, "cloud.platform", "aws_lambda")
	}
	return &otlpExporter{
		url:      endpoint,
		client:   &http.Client{Timeout: DefaultOTLPTimeout},
		resource: res.b,
		sync:     inLambda,
		log:      log,
	}
}

func (e *otlpExporter) send(tr *trace, s *seg, standalone bool) {
	parent := s.doc.ParentID // set before s is shared
	if !standalone && s.parent != nil {
		parent = s.parent.id()
	}
	body := encodeExport(e.resource, tr.id, s, parent)
	if e.sync {
		e.post(body)
		return
	}
	e.mu.Lock()
	if e.queued+len(body) > maxOTLPQueued {
		e.mu.Unlock()
		e.log.Warn("tracing: OTLP exports backed up, spans dropped")
		return
	}
	e.queue = append(e.queue, body)
	e.queued += len(body)
	if !e.running {
		e.running = true
		e.wg.Add(1)
		go e.drain()
	}
	e.mu.Unlock()
}

// drain posts the queue in batches until it is empty.
func (e *otlpExporter) drain() {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		n, size := 0, 0
		for n < len(e.queue) && (n == 0 || size+len(e.queue[n]) <= maxOTLPBatch) {
			size += len(e.queue[n])
			n++
		}
		if n == 0 {
			e.running = false
			e.queue = nil
			e.mu.Unlock()
			return
		}
		batch := make([]byte, 0, size)
		for _, b := range e.queue[:n] {
			batch = append(batch, b...)
		}
		e.queue = e.queue[n:]
		e.queued -= size
		e.mu.Unlock()
		e.post(batch)
	}
}

func (e *otlpExporter) post(body []byte) {
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := e.client.Do(req)
	if err != nil {
		// The error holds the URL; keep its quoted part out of the log.
		e.log.Warn("tracing: cannot export spans", "err", redactMessage(err.Error()))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e.log.Warn("tracing: OTLP endpoint refused spans", "status", resp.StatusCode)
	}
}

// flush waits for the exports in flight, or for ctx.
func (e *otlpExporter) flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// otelTraceID converts an X-Ray trace id ("1-5759e988-bd86...") to the
// 16 bytes of a W3C trace id: the same digits, so X-Ray shows an OTLP
// trace under the id the X-Amzn-Trace-Id header carries.
func otelTraceID(xray string) []byte {
	b, err := hex.DecodeString(xray[2:10] + xray[11:])
	if err != nil || len(b) != 16 {
		return make([]byte, 16)
	}
	return b
}

// xrayTraceID is the inverse of otelTraceID for a 32-hex-digit id.
func xrayTraceID(w3c string) string { return "1-" + w3c[:8] + "-" + w3c[8:] }

// spanID is the 8 bytes of a 16-hex-digit segment id.
func spanID(id string) []byte {
	b, _ := hex.DecodeString(id)
	return b
}
