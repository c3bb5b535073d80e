package tracingtest

import (
	"net"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/tracing/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string
	}{
		{name: "go sdk header", in: `{"format": "json", "version": 1}` + "\n" + `{"trace_id":"1-a-b","id":"c","name":"n"}`},
		{name: "compact header", in: `{"format":"json","version":1}` + "\n" + `{"trace_id":"1-a-b","id":"c","name":"n"}`},
		{name: "no newline", in: `{"format":"json","version":1}`, wantErr: "no header line"},
		{name: "wrong version", in: `{"format":"json","version":2}` + "\n{}", wantErr: "bad header"},
		{name: "bad body", in: `{"format":"json","version":1}` + "\n{", wantErr: "bad document"},
		{name: "no ids", in: `{"format":"json","version":1}` + "\n{}", wantErr: "without trace_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Decode([]byte(tc.in))
			if tc.wantErr == "" {
				if err != nil || doc.Name != "n" || len(doc.Raw) == 0 {
					t.Errorf("got %+v %v", doc, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestReceivedReportsMalformed(t *testing.T) {
	d := NewDaemon(t)
	c, err := net.Dial("udp", d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("garbage"))
	c.Write([]byte(`{"format":"json","version":1}` + "\n" + `{"trace_id":"1-a-b","id":"c","name":"ok","subsegments":[{"trace_id":"1-a-b","id":"d","name":"child"}]}`))
	docs, err := d.Received()
	if err == nil || len(docs) != 1 {
		t.Fatalf("got %d documents and %v, want 1 and an error", len(docs), err)
	}
	if _, ok := docs[0].Find("child"); !ok {
		t.Error("nested document not decoded")
	}
	if docs, err := d.Received(); err != nil || len(docs) != 1 {
		t.Errorf("second call: %d %v", len(docs), err)
	}
	d.Reset()
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("after Reset: %d documents", len(docs))
	}
	d.Close()
	if _, err := d.Received(); err == nil {
		t.Error("Received on a closed daemon: no error")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"format":"json","version":1}` + "\n" + `{"trace_id":"1-a-b","id":"c","subsegments":[{"id":"d"}]}`))
	f.Add([]byte("\n"))
	f.Add([]byte(`{"format": "json", "version": 1}` + "\n" + `{"trace_id":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := Decode(b)
		if err == nil && (doc.TraceID == "" || doc.ID == "") {
			t.Fatalf("accepted a document without ids: %q", b)
		}
	})
}
