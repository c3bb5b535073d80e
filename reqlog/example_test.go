package reqlog_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/lambdasec/lambdasec/reqlog"
)

func ExampleNewAccessLog() {
	logger := slog.New(reqlog.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration_ms", "request_id": // vary per run
				return slog.Attr{}
			}
			return a
		},
	})))
	access, err := reqlog.NewAccessLog(reqlog.Config{Logger: logger})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "item")
	})
	req := httptest.NewRequest("GET", "/v1/items/7?q=not-logged", nil)
	req.RemoteAddr = "203.0.113.9:4711"
	access.Handler(mux).ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// {"level":"INFO","msg":"request","method":"GET","path":"/v1/items/7","status":200,"bytes":5,"client_ip":"203.0.113.9","route":"GET /v1/items/{id}"}
}

func ExampleNewHandler() {
	// Any handler: every line logged with a request's context gains the
	// request id, the trace id, the route and, on Lambda, the Lambda
	// request id and the cold-start flag.
	logger := slog.New(reqlog.NewHandler(slog.NewJSONHandler(os.Stdout, nil)))
	slog.SetDefault(logger)
}

func ExampleNewLogger() {
	logger := reqlog.NewLogger(&slog.HandlerOptions{Level: slog.LevelInfo})
	logger.Info("started") // JSON on Lambda, text elsewhere
}

func ExampleAccessLog_Handler() {
	access, _ := reqlog.NewAccessLog(reqlog.Config{Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	access.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, len(rec.Header().Get(reqlog.RequestIDHeader)))
	// Output: 404 32
}
