package tracing

import (
	"encoding/json"
	"log/slog"
	"net"
)

// The X-Ray daemon takes one document per UDP datagram, after a header
// line. A datagram holds at most 64 KiB.
const (
	daemonHeader = `{"format":"json","version":1}` + "\n"
	maxDatagram  = 64000
	// maxNested is how many subsegments a document carries inside it;
	// beyond that, each goes in a datagram of its own, as the X-Ray SDKs
	// stream them.
	maxNested = 20
)

// emitter sends documents to the X-Ray daemon over UDP.
type emitter struct {
	conn *net.UDPConn
	log  *slog.Logger
}

func newEmitter(addr *net.UDPAddr, log *slog.Logger) (*emitter, error) {
	c, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		return nil, err
	}
	return &emitter{conn: c, log: log}, nil
}

func (e *emitter) write(doc []byte) {
	b := make([]byte, 0, len(daemonHeader)+len(doc))
	b = append(append(b, daemonHeader...), doc...)
	if _, err := e.conn.Write(b); err != nil {
		e.log.Warn("tracing: cannot send document to the X-Ray daemon", "err", err)
	}
}

// exporter sends finished segments somewhere: the X-Ray daemon
// ([emitter]) or an OTLP endpoint ([otlpExporter]). send is called with
// a root when it closes (standalone) and with a child that closes after
// its root was sent, which then goes on its own under its parent.
type exporter interface {
	send(tr *trace, s *seg, standalone bool)
}

// send encodes s, with the closed subsegments under it, and sends it. A
// root (or a child ending after its root) carries the trace and parent
// ids; when s holds too many subsegments, or too many bytes, each direct
// child is sent as its own document instead.
func (e *emitter) send(tr *trace, s *seg, standalone bool) {
	parentID := ""
	if !standalone && s.parent != nil {
		parentID = s.parent.id()
	}
	b, children := encode(s, parentID, tr.id, count(s) > maxNested)
	if len(b)+len(daemonHeader) > maxDatagram && len(children) == 0 {
		b, children = encode(s, parentID, tr.id, true)
	}
	e.write(b)
	for _, c := range children {
		e.send(tr, c, false)
	}
}

// encode returns s's document. With split, closed children are left out
// and returned to be sent on their own.
func encode(s *seg, parentID, traceID string, split bool) ([]byte, []*seg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parent == nil || parentID != "" {
		s.sent = true
	}
	d := s.doc
	if parentID != "" {
		d.TraceID, d.ParentID = traceID, parentID
	}
	var alone []*seg
	for _, c := range s.children {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if !closed {
			continue // sent when it closes
		}
		if split {
			alone = append(alone, c)
			continue
		}
		cb, _ := encode(c, "", "", false)
		d.Subsegments = append(d.Subsegments, cb)
	}
	b, err := json.Marshal(d)
	if err != nil {
		// Only a value json cannot encode gets here; annotations are
		// checked when they are added.
		b, _ = json.Marshal(segDoc{Name: d.Name, ID: d.ID, TraceID: d.TraceID, ParentID: d.ParentID,
			Type: d.Type, StartTime: d.StartTime, EndTime: d.EndTime, Fault: true})
	}
	return b, alone
}

// count is the number of subsegments under s.
func count(s *seg) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.children)
	for _, c := range s.children {
		n += count(c)
	}
	return n
}
