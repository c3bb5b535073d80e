// Package smfake is a loopback stand-in for AWS Secrets Manager that speaks
// the service's JSON 1.1 wire protocol, so tests and local runs can drive the
// real aws-sdk-go-v2 client (signing, retries, error decoding) without AWS.
//
// It implements GetSecretValue, and for rotation functions PutSecretValue,
// DescribeSecret and UpdateSecretVersionStage. It checks what the real endpoint checks
// on the way in (the X-Amz-Target header, the JSON 1.1 content type and the
// presence of a SigV4 Authorization header; signatures are not verified) and
// answers like the real endpoint: version stages AWSCURRENT, AWSPENDING and
// AWSPREVIOUS, lookup by name or ARN, SecretString or SecretBinary, and error
// bodies carrying a __type such as ResourceNotFoundException with the HTTP
// status AWS uses for it.
//
// A Server is safe for concurrent use.
package smfake

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Version stages Secrets Manager manages itself.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Region, account and static credentials that [Server.AWSConfig] uses.
const (
	Region          = "us-east-1"
	Account         = "123456789012"
	AccessKeyID     = "AKIASMFAKEEXAMPLE"
	SecretAccessKey = "smfake-secret-access-key-not-a-real-one"
)

const (
	contentType = "application/x-amz-json-1.1"
	targetGet   = "secretsmanager.GetSecretValue"
)

// Request is one GetSecretValue request as the server decoded it.
type Request struct {
	SecretID     string
	VersionID    string
	VersionStage string
}

// Server is a running fake Secrets Manager endpoint on 127.0.0.1.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	secrets  map[string]*secret // by name
	calls    int
	requests []Request
	failN    int
	failType string
	hold     chan struct{} // non-nil: GetSecretValue waits for it to close
	now      func() time.Time
	arrived  chan struct{} // closed and replaced at each request
}

// New starts a Server on a free loopback port. Close it when done.
func New() *Server {
	s := &Server{secrets: make(map[string]*secret), now: time.Now, arrived: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint's base URL, for BaseEndpoint or
// AWS_ENDPOINT_URL_SECRETS_MANAGER.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, releasing any held requests first.
func (s *Server) Close() {
	s.Release()
	s.srv.Close()
}

// SetNow replaces the clock used for CreatedDate. Nil means time.Now.
func (s *Server) SetNow(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// ARN is the ARN the server gives the secret named name, whether or not it
// exists yet. GetSecretValue accepts it in place of the name.
func (s *Server) ARN(name string) string {
	sum := sha256.Sum256([]byte(name))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	suffix := make([]byte, 6)
	for i := range suffix {
		suffix[i] = letters[int(sum[i])%len(letters)]
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", Region, Account, name, suffix)
}

// AWSConfig is an aws.Config aimed at the server: static credentials, region
// us-east-1, BaseEndpoint set to [Server.URL], and the SDK's default
// retryer and HTTP client.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL()),
	}
}

// Client is a Secrets Manager client built from [Server.AWSConfig].
func (s *Server) Client() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(s.AWSConfig())
}
