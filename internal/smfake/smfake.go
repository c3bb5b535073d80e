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
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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

// errorStatus is the HTTP status Secrets Manager sends with each error type.
// Unknown types get 400, as most client errors do.
func errorStatus(errType string) int {
	switch errType {
	case "InternalServiceError", "InternalFailure":
		return http.StatusInternalServerError
	case "ServiceUnavailable":
		return http.StatusServiceUnavailable
	default:
		// ThrottlingException, ResourceNotFoundException,
		// AccessDeniedException, DecryptionFailure, InvalidRequestException,
		// InvalidParameterException, UnrecognizedClientException, ...
		return http.StatusBadRequest
	}
}

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

type secret struct {
	name     string
	arn      string
	versions []*version
}

type version struct {
	id      string
	str     *string
	bin     []byte
	stages  []string
	created time.Time
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

// Put stores value as a new version of the secret id with the AWSCURRENT
// stage, creating the secret if needed. The version that was current becomes
// AWSPREVIOUS. It returns the new version's id.
func (s *Server) Put(id, value string) (versionID string) {
	return s.put(id, &value, nil, StageCurrent)
}

// PutBinary is Put for a SecretBinary value.
func (s *Server) PutBinary(id string, value []byte) (versionID string) {
	return s.put(id, nil, slices.Clone(value), StageCurrent)
}

// PutPending stores value as a new version with the AWSPENDING stage, as a
// rotation's createSecret step does. It returns the new version's id.
func (s *Server) PutPending(id, value string) (versionID string) {
	return s.put(id, &value, nil, StagePending)
}

// PromotePending finishes a rotation: the AWSPENDING version becomes
// AWSCURRENT and loses AWSPENDING, and the old current version becomes
// AWSPREVIOUS. It reports whether there was a pending version.
func (s *Server) PromotePending(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[id]
	if sec == nil {
		return false
	}
	p := sec.withStage(StagePending)
	if p == nil {
		return false
	}
	p.removeStage(StagePending)
	sec.makeCurrent(p)
	return true
}

// Delete removes the secret id; later gets answer ResourceNotFoundException.
func (s *Server) Delete(id string) {
	s.mu.Lock()
	delete(s.secrets, id)
	s.mu.Unlock()
}

// FailNext makes the next n GetSecretValue requests fail with the error type
// errType (for example "ThrottlingException" or "InternalServiceError"),
// sent with the HTTP status AWS uses for it. SDK retries count as requests.
func (s *Server) FailNext(n int, errType string) {
	s.mu.Lock()
	s.failN, s.failType = n, errType
	s.mu.Unlock()
}

// Hold makes GetSecretValue requests wait, counted but unanswered, until
// [Server.Release] (or the client gives up), so tests can observe callers
// while a fetch is in flight.
func (s *Server) Hold() {
	s.mu.Lock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
	s.mu.Unlock()
}

// Release lets held requests, and later ones, proceed.
func (s *Server) Release() {
	s.mu.Lock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
	s.mu.Unlock()
}

// Calls is the number of GetSecretValue requests received, including failed
// and held ones.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// WaitCalls blocks until at least n GetSecretValue requests have arrived
// (held ones included) or ctx ends, and reports whether they arrived. Tests
// use it to wait for an event instead of sleeping.
func (s *Server) WaitCalls(ctx context.Context, n int) bool {
	for {
		s.mu.Lock()
		calls, arrived := s.calls, s.arrived
		s.mu.Unlock()
		if calls >= n {
			return true
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return false
		}
	}
}

// Requests returns the GetSecretValue requests received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
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

func (s *Server) put(id string, str *string, bin []byte, stage string) string {
	v := &version{id: newUUID(), str: str, bin: bin}
	s.mu.Lock()
	defer s.mu.Unlock()
	v.created = s.now()
	sec := s.secrets[id]
	if sec == nil {
		sec = &secret{name: id, arn: s.ARN(id)}
		s.secrets[id] = sec
	}
	sec.versions = append(sec.versions, v)
	if stage == StageCurrent {
		sec.makeCurrent(v)
	} else {
		if old := sec.withStage(stage); old != nil {
			old.removeStage(stage)
		}
		v.stages = append(v.stages, stage)
	}
	return v.id
}

func (sec *secret) withStage(stage string) *version {
	for _, v := range sec.versions {
		if slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

func (sec *secret) makeCurrent(v *version) {
	if old := sec.withStage(StageCurrent); old != nil && old != v {
		if prev := sec.withStage(StagePrevious); prev != nil {
			prev.removeStage(StagePrevious)
		}
		old.removeStage(StageCurrent)
		old.stages = append(old.stages, StagePrevious)
	}
	v.removeStage(StagePrevious)
	v.stages = append(v.stages, StageCurrent)
}

func (v *version) removeStage(stage string) {
	v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, "UnknownOperationException", "only POST is supported")
		return
	}
	target := r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), contentType) {
		writeError(w, "SerializationException", "content type must be "+contentType)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		writeError(w, "MissingAuthenticationTokenException", "request is missing a SigV4 Authorization header")
		return
	}
	if target != targetGet {
		s.serveRotation(w, r, target)
		return
	}
	var in struct {
		SecretId     *string
		VersionId    *string
		VersionStage *string
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, "SerializationException", "cannot read body")
		return
	}
	decodeErr := json.Unmarshal(body, &in)
	req := Request{SecretID: deref(in.SecretId), VersionID: deref(in.VersionId), VersionStage: deref(in.VersionStage)}

	s.mu.Lock()
	s.calls++
	s.requests = append(s.requests, req)
	hold := s.hold
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failN > 0 {
		s.failN--
		writeError(w, s.failType, "injected failure")
		return
	}
	if decodeErr != nil {
		writeError(w, "SerializationException", "body is not valid JSON")
		return
	}
	if req.SecretID == "" {
		writeError(w, "InvalidParameterException", "SecretId is required")
		return
	}
	sec := s.lookup(req.SecretID)
	if sec == nil {
		writeError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	v := sec.find(req.VersionID, req.VersionStage)
	if v == nil {
		writeError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label or version id.")
		return
	}
	out := map[string]any{
		"ARN":           sec.arn,
		"Name":          sec.name,
		"VersionId":     v.id,
		"VersionStages": slices.Clone(v.stages),
		"CreatedDate":   float64(v.created.UnixMilli()) / 1000,
	}
	if v.str != nil {
		out["SecretString"] = *v.str
	}
	if v.bin != nil {
		out["SecretBinary"] = v.bin // encoding/json writes base64, as AWS does
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) lookup(id string) *secret {
	if sec := s.secrets[id]; sec != nil {
		return sec
	}
	for _, sec := range s.secrets {
		if sec.arn == id {
			return sec
		}
	}
	return nil
}

func (sec *secret) find(id, stage string) *version {
	if id == "" && stage == "" {
		stage = StageCurrent
	}
	for _, v := range sec.versions {
		if id != "" && v.id != id {
			continue
		}
		if stage != "" && !slices.Contains(v.stages, stage) {
			continue
		}
		return v
	}
	return nil
}

func writeError(w http.ResponseWriter, errType, msg string) {
	status := errorStatus(errType)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": errType, "message": msg})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
