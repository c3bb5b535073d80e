package tracing_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

func ExampleNew() {
	// Inside Lambda the zero Config is enough. Here a fake daemon stands
	// in for the X-Ray daemon.
	daemon, err := tracingtest.Listen()
	if err != nil {
		log.Fatal(err)
	}
	defer daemon.Close()

	tr, err := tracing.New(tracing.Config{Service: "orders", Version: "1.4.0", DaemonAddr: daemon.Addr()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("enabled:", tr.Enabled())

	_, err = tracing.New(tracing.Config{DaemonAddr: "xray-daemon"})
	fmt.Println(err)
	// Output:
	// enabled: true
	// tracing: invalid daemon address "xray-daemon": want host:port
}

func ExampleTracer_Enabled() {
	// A disabled Tracer (as outside Lambda without a daemon address)
	// returns the router itself: no overhead at all.
	tr, err := tracing.New(tracing.Config{Disabled: true})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	fmt.Println(tr.Enabled(), tr.Handler(mux) == http.Handler(mux))
	// Output: false true
}

func ExampleTracer_Handler() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{Service: "orders", DaemonAddr: daemon.Addr()})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("order " + r.PathValue("id")))
	})
	handler := tr.Handler(mux)

	// A request from a client that already traces, outside Lambda.
	req := httptest.NewRequest("GET", "/orders/42?token=abc", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1")
	handler.ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := daemon.Received()
	doc := docs[0]
	fmt.Println(doc.Name, doc.TraceID, doc.ParentID)
	fmt.Println(doc.HTTP.Request.Method, doc.HTTP.Request.URL, doc.HTTP.Response.Status)
	fmt.Println(doc.Annotations["route"], doc.Annotations["cold_start"])
	// Output:
	// orders 1-67891233-abcdef012345678912345678 53995c3f42cd8ad8
	// GET http://example.com/orders/42 200
	// GET /orders/{id} true
}

func ExampleTracer_Handler_lambda() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	// In Lambda, Config.DaemonAddr stays empty: Lambda sets the address.
	tr, _ := tracing.New(tracing.Config{Service: "orders", DaemonAddr: daemon.Addr()})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("trace id in handler:", tracing.TraceID(r.Context()))
	})
	// In production: lambda.Start(httpadapter.NewV2(tr.Handler(mux)).ProxyWithContext).
	// Here the invocation context is built the way aws-lambda-go does.
	ctx := tracingtest.LambdaContext(context.Background(),
		"1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true)
	req := httptest.NewRequestWithContext(ctx, "GET", "/orders/42", nil)
	tr.Handler(mux).ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := daemon.Received()
	fmt.Println(docs[0].Type, docs[0].Name, "parent:", docs[0].ParentID)
	// Output:
	// trace id in handler: 1-5759e988-bd862e3fe1be46a994272793
	// subsegment GET /orders/:id parent: 53995c3f42cd8ad8
}

func ExampleAnnotate() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{DaemonAddr: daemon.Addr()})

	handler := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		fmt.Println(tracing.Annotate(ctx, "tenant.id", "t-17"))     // key becomes tenant_id
		fmt.Println(tracing.Annotate(ctx, "amount", int64(12_500))) // int64 is fine
		fmt.Println(tracing.Annotate(ctx, "payload", []byte("x")))  // not indexable
	}))
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	handler.ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := daemon.Received()
	fmt.Println(docs[0].Annotations["tenant_id"], docs[0].Annotations["amount"])
	// Output:
	// <nil>
	// <nil>
	// tracing: invalid annotation: value of type []uint8; want string, bool or number (key "payload")
	// t-17 12500
}

func ExampleTraceID() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{DaemonAddr: daemon.Addr()})

	handler := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Correlate log lines with the trace, sampled or not.
		fmt.Println("trace_id", tracing.TraceID(r.Context()))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=0")
	handler.ServeHTTP(httptest.NewRecorder(), req)
	// Output: trace_id 1-67891233-abcdef012345678912345678
}

func ExampleCapture() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{DaemonAddr: daemon.Addr()})

	handler := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := tracing.Capture(r.Context(), "price basket", func(ctx context.Context) error {
			return fmt.Errorf("no prices")
		})
		fmt.Println("Capture returned:", err)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	handler.ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := daemon.Received()
	sub, _ := docs[0].Find("price basket")
	fmt.Println(sub.Name, "fault:", sub.Fault)
	// Output:
	// Capture returned: no prices
	// price basket fault: true
}

func ExampleClient() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{DaemonAddr: daemon.Addr()})

	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("downstream got a trace header:", r.Header.Get("X-Amzn-Trace-Id") != "")
	}))
	defer downstream.Close()

	client := tracing.Client(&http.Client{})
	defer client.CloseIdleConnections()
	handler := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	handler.ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := daemon.Received()
	fmt.Println(docs[0].Subsegments[0].Namespace, docs[0].Subsegments[0].HTTP.Response.Status)
	// Output:
	// downstream got a trace header: true
	// remote 200
}

func ExampleTransport() {
	// Wrap a tuned transport instead of a client.
	client := &http.Client{Transport: tracing.Transport(&http.Transport{MaxIdleConnsPerHost: 16})}
	_ = client
}

func ExampleAWS() {
	// cfg would come from config.LoadDefaultConfig(ctx).
	cfg := aws.Config{Region: "eu-west-1"}
	tracing.AWS(&cfg)
	// Every client built from cfg now records its calls.
	sm := secretsmanager.NewFromConfig(cfg)
	_ = sm
}

func ExampleConnector() {
	// dbconn's connector, or any other driver.Connector, wraps the same way.
	mc := mysql.NewConfig()
	mc.Net, mc.Addr, mc.User, mc.DBName = "tcp", "db.example.internal:3306", "app", "ledger"
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(tracing.Connector(connector, tracing.DB{
		Name: "ledger", Host: "db.example.internal:3306", User: "app", Type: "MySQL",
	}))
	defer db.Close()
}

func ExampleRedis() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	tracing.Redis(rdb)
	// rdb.Get(r.Context(), key) inside a traced request is now a subsegment.
}

func ExampleRoutes() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{Service: "orders", DaemonAddr: daemon.Addr()})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
	// Middleware that hands the mux a copy of the request, as
	// authentication middleware does.
	requestID := func(next http.Handler) http.Handler {
		type key struct{}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "id-1")))
		})
	}
	// Without Routes the trace would only know the method.
	handler := tr.Handler(requestID(tracing.Routes(mux)))

	ctx := tracingtest.LambdaContext(context.Background(),
		"1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true)
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "GET", "/orders/42", nil))

	docs, _ := daemon.Received()
	fmt.Println(docs[0].Name, "|", docs[0].Annotations["route"])
	// Output: GET /orders/:id | GET /orders/{id}
}

func ExampleSetRoute() {
	daemon, _ := tracingtest.Listen()
	defer daemon.Close()
	tr, _ := tracing.New(tracing.Config{Service: "orders", DaemonAddr: daemon.Addr()})

	// A router that does not set r.Pattern records its route template
	// itself (with chi: chi.RouteContext(ctx).RoutePattern()).
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tracing.SetRoute(r.Context(), "GET /orders/{id}")
	})
	req := httptest.NewRequest("GET", "/orders/42", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	tr.Handler(router).ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := daemon.Received()
	fmt.Println(docs[0].Annotations["route"])
	// Output: GET /orders/{id}
}
