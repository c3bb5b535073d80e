package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/lambdasec/lambdasec/secrets"
)

// local stands in for Secrets Manager. The sample credentials are
// placeholders: generate your own, and keep real ones in Secrets Manager,
// never in code.
var local = secrets.Static(map[string]string{
	"prod/orders/db":  `{"engine":"mysql","host":"orders.cluster-abc.us-east-1.rds.amazonaws.com","port":3306,"username":"orders_app","password":"example-only-generate-your-own","dbname":"orders"}`,
	"prod/orders/api": `{"endpoint":"https://payments.example.com","api_key":"example-only-generate-your-own","timeout_ms":2500}`,
})

// Load database credentials once, in the Lambda init phase, and share the
// cache between invocations. The real client comes from the SDK's default
// configuration; here a static source stands in for it.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // well inside the 10 s init phase
	defer cancel()

	cache, err := secrets.New(secrets.Config{Client: local})
	if err != nil {
		log.Fatal(err)
	}
	if err := cache.Prefetch(ctx, "prod/orders/db"); err != nil {
		log.Fatal(err) // fail init with a clear error, not a timeout
	}

	// In the handler: served from memory until the TTL ends.
	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, cache, "prod/orders/db")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(creds.Username, creds.Addr(), creds.DBName)
	fmt.Println(creds) // the password never prints
	// Output:
	// orders_app orders.cluster-abc.us-east-1.rds.amazonaws.com:3306 orders
	// secrets.DBCredentials{Engine: "mysql", Host: "orders.cluster-abc.us-east-1.rds.amazonaws.com", Port: 3306, Username: "orders_app", Password: [REDACTED], DBName: "orders"}
}

// With AWS: build the client from the default configuration (the function's
// role needs only secretsmanager:GetSecretValue). Set
// AWS_ENDPOINT_URL_SECRETS_MANAGER to aim it at another endpoint.
func ExampleNew() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cache, err := secrets.New(secrets.Config{
		Client:   secretsmanager.NewFromConfig(cfg),
		TTL:      10 * time.Minute,
		MaxStale: time.Hour, // ride out a long Secrets Manager outage
		Metrics: secrets.Metrics{
			StaleServed: func(id string, age time.Duration) { log.Printf("stale secret %s (%v)", id, age) },
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = cache
}

func ExampleStatic() {
	// For local runs: the same code path as with Secrets Manager.
	cache, _ := secrets.New(secrets.Config{Client: secrets.Static(map[string]string{
		"dev/db": `{"username":"dev","password":"example-only-generate-your-own","host":"127.0.0.1"}`,
	})})
	creds, _ := secrets.GetJSON[secrets.DBCredentials](context.Background(), cache, "dev/db")
	fmt.Println(creds.Addr())
	_, err := cache.Get(context.Background(), "dev/other")
	fmt.Println(errors.Is(err, secrets.ErrNotFound))
	// Output:
	// 127.0.0.1
	// true
}

// A JSON secret decoded into your own struct.
func ExampleGetJSON() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	type paymentsAPI struct {
		Endpoint  string `json:"endpoint"`
		APIKey    string `json:"api_key"`
		TimeoutMS int    `json:"timeout_ms"`
	}
	api, err := secrets.GetJSON[paymentsAPI](context.Background(), cache, "prod/orders/api")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(api.Endpoint, time.Duration(api.TimeoutMS)*time.Millisecond, len(api.APIKey) > 0)
	// Output: https://payments.example.com 2.5s true
}

func ExampleCache_Get() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	s, err := cache.Get(context.Background(), "prod/orders/api")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.VersionID(), s.Stages())
	fmt.Println(s) // the value never prints
	// Output:
	// static [AWSCURRENT]
	// secrets.Secret{ID: "prod/orders/api", VersionID: "static", Stages: [AWSCURRENT], Value: [REDACTED]}
}

func ExampleCache_GetStage() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	// The previous version, for example to accept tokens signed with the
	// key that was current before the last rotation.
	_, err := cache.GetStage(context.Background(), "prod/orders/api", secrets.StagePrevious)
	fmt.Println(errors.Is(err, secrets.ErrNotFound)) // a static source has only AWSCURRENT
	// Output: true
}

func ExampleCache_GetVersion() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	s, err := cache.GetVersion(context.Background(), "prod/orders/api", secrets.StaticVersionID)
	fmt.Println(s.VersionID(), err)
	// Output: static <nil>
}

// rotating is a Client whose secret changes on demand, standing in for a
// rotation.
type rotating struct {
	mu       sync.Mutex
	version  int
	password string
}

func (r *rotating) rotate(pw string) {
	r.mu.Lock()
	r.version++
	r.password = pw
	r.mu.Unlock()
}

func (r *rotating) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if aws.ToString(in.VersionStage) != secrets.StageCurrent {
		return nil, &types.ResourceNotFoundException{}
	}
	return &secretsmanager.GetSecretValueOutput{
		VersionId:     aws.String(fmt.Sprint("v", r.version)),
		VersionStages: []string{secrets.StageCurrent},
		SecretString:  aws.String(`{"username":"app","password":"` + r.password + `"}`),
	}, nil
}

// Force a refresh when the database rejects the cached password: the secret
// was rotated since it was cached. Retry the login once, and only if the
// version changed.
func ExampleCache_Refresh() {
	source := &rotating{}
	source.rotate("example-old")
	cache, _ := secrets.New(secrets.Config{Client: source})
	ctx := context.Background()
	dbPassword := "example-new" // what the database accepts after rotation

	login := func(c secrets.DBCredentials) error {
		if c.Password() != dbPassword {
			return errors.New("Error 1045 (28000): Access denied")
		}
		return nil
	}
	s, _ := cache.Get(ctx, "prod/orders/db")
	var creds secrets.DBCredentials
	_ = s.Decode(&creds)
	source.rotate("example-new") // rotation happens while the value is cached

	err := login(creds)
	if err != nil {
		fresh, ferr := cache.Refresh(ctx, "prod/orders/db")
		if ferr == nil && fresh.VersionID() != s.VersionID() {
			_ = fresh.Decode(&creds)
			err = login(creds)
		}
	}
	fmt.Println(s.VersionID(), "->", creds.Username, err)
	// Output: v1 -> app <nil>
}

// During a single-user rotation, the database may accept the AWSPENDING
// password before AWSCURRENT moves to it.
func ExampleCache_RefreshStage() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	_, err := cache.RefreshStage(context.Background(), "prod/orders/db", secrets.StagePending)
	fmt.Println(errors.Is(err, secrets.ErrNotFound)) // no rotation in progress
	// Output: true
}

func ExampleCache_Invalidate() {
	source := &rotating{}
	source.rotate("example-1")
	cache, _ := secrets.New(secrets.Config{Client: source})
	ctx := context.Background()
	a, _ := cache.Get(ctx, "db")
	source.rotate("example-2")
	cache.Invalidate("db") // no fetch now; the next Get fetches
	b, _ := cache.Get(ctx, "db")
	fmt.Println(a.VersionID(), b.VersionID())
	// Output: v1 v2
}

func ExampleCache_Prefetch() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := cache.Prefetch(ctx, "prod/orders/db", "prod/orders/api", "prod/orders/missing")
	fmt.Println(errors.Is(err, secrets.ErrNotFound))
	fmt.Println(err)
	// Output:
	// true
	// secrets: secret not found: get "prod/orders/missing" stage "AWSCURRENT": ResourceNotFoundException: static source has no such secret, stage or version
}

func ExampleSecret_Decode() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	s, _ := cache.Get(context.Background(), "prod/orders/db")
	var v struct {
		Host string `json:"host"`
		Port int    `json:"port"`
	}
	if err := s.Decode(&v); err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Host, v.Port)
	// Output: orders.cluster-abc.us-east-1.rds.amazonaws.com 3306
}

func ExampleParseDBCredentials() {
	c, err := secrets.ParseDBCredentials([]byte(`{"user":"app","pass":"example-only","hostname":"db.internal","port":"3307","database":"orders"}`))
	fmt.Println(c.Username, c.Addr(), c.DBName, err)
	_, err = secrets.ParseDBCredentials([]byte(`{"user":"app","username":"other","password":"example-only"}`))
	fmt.Println(err)
	// Output:
	// app db.internal:3307 orders <nil>
	// secrets: invalid database credentials: conflicting keys for username
}

func ExampleDBCredentials_Addr() {
	c := secrets.DBCredentials{Engine: "aurora-postgresql", Host: "db.internal"}
	fmt.Println(c.Addr())
	// Output: db.internal:5432
}

// A Secret prints and logs its id, version and stages, never its value.
func ExampleSecret() {
	cache, _ := secrets.New(secrets.Config{Client: local})
	s, err := cache.Get(context.Background(), "prod/orders/api")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	fmt.Printf("%#v\n", s)
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	logger.Info("loaded", "secret", s)
	// Output:
	// secrets.Secret{ID: "prod/orders/api", VersionID: "static", Stages: [AWSCURRENT], Value: [REDACTED]}
	// secrets.Secret{ID: "prod/orders/api", VersionID: "static", Stages: [AWSCURRENT], Value: [REDACTED]}
	// {"level":"INFO","msg":"loaded","secret":{"id":"prod/orders/api","version_id":"static","stages":["AWSCURRENT"],"value":"[REDACTED]"}}
}
