package smfake_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/lambdasec/lambdasec/internal/smfake"
)

func get(t *testing.T, c *secretsmanager.Client, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.GetSecretValue(ctx, in)
}

func TestGetSecretValue(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetNow(func() time.Time { return created })
	v1 := s.Put("app/db", "one")
	v2 := s.Put("app/db", "two")
	pend := s.PutPending("app/db", "three")
	bin := s.PutBinary("app/key", []byte{0, 1, 2, 255})
	c := s.Client()

	tests := []struct {
		name       string
		in         secretsmanager.GetSecretValueInput
		wantValue  string
		wantBinary []byte
		wantID     string
		wantStages []string
	}{
		{name: "current by default", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")}, wantValue: "two", wantID: v2, wantStages: []string{"AWSCURRENT"}},
		{name: "by ARN", in: secretsmanager.GetSecretValueInput{SecretId: aws.String(s.ARN("app/db"))}, wantValue: "two", wantID: v2, wantStages: []string{"AWSCURRENT"}},
		{name: "previous", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPREVIOUS")}, wantValue: "one", wantID: v1, wantStages: []string{"AWSPREVIOUS"}},
		{name: "pending", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPENDING")}, wantValue: "three", wantID: pend, wantStages: []string{"AWSPENDING"}},
		{name: "version id", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionId: aws.String(v1)}, wantValue: "one", wantID: v1, wantStages: []string{"AWSPREVIOUS"}},
		{name: "binary", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("app/key")}, wantBinary: []byte{0, 1, 2, 255}, wantID: bin, wantStages: []string{"AWSCURRENT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := get(t, c, &tc.in)
			if err != nil {
				t.Fatalf("GetSecretValue: %v", err)
			}
			if tc.wantBinary != nil {
				if !bytes.Equal(out.SecretBinary, tc.wantBinary) || out.SecretString != nil {
					t.Errorf("got binary %v string %v, want binary %v", out.SecretBinary, out.SecretString, tc.wantBinary)
				}
			} else if aws.ToString(out.SecretString) != tc.wantValue {
				t.Errorf("got value %q, want %q", aws.ToString(out.SecretString), tc.wantValue)
			}
			if aws.ToString(out.VersionId) != tc.wantID {
				t.Errorf("got version %q, want %q", aws.ToString(out.VersionId), tc.wantID)
			}
			if !slices.Equal(out.VersionStages, tc.wantStages) {
				t.Errorf("got stages %v, want %v", out.VersionStages, tc.wantStages)
			}
			if !aws.ToTime(out.CreatedDate).Equal(created) {
				t.Errorf("got created %v, want %v", aws.ToTime(out.CreatedDate), created)
			}
			if !strings.HasPrefix(aws.ToString(out.ARN), "arn:aws:secretsmanager:us-east-1:") {
				t.Errorf("got ARN %q", aws.ToString(out.ARN))
			}
		})
	}
	if got, want := s.Calls(), len(tests); got != want {
		t.Errorf("Calls() = %d, want %d", got, want)
	}
	if r := s.Requests()[2]; r.SecretID != "app/db" || r.VersionStage != "AWSPREVIOUS" {
		t.Errorf("Requests()[2] = %+v", r)
	}
}

func TestPromotePending(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	old := s.Put("db", "old")
	if s.PromotePending("db") {
		t.Fatal("PromotePending with no pending version reported true")
	}
	pend := s.PutPending("db", "new")
	if !s.PromotePending("db") {
		t.Fatal("PromotePending reported false")
	}
	c := s.Client()
	out, err := get(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(out.VersionId) != pend || !slices.Equal(out.VersionStages, []string{"AWSCURRENT"}) {
		t.Fatalf("current after promote = %v, %v; want version %s with only AWSCURRENT", out, err, pend)
	}
	out, err = get(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(out.VersionId) != old {
		t.Fatalf("previous after promote = %v, %v; want version %s", out, err, old)
	}
	_, err = get(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db"), VersionStage: aws.String("AWSPENDING")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("pending after promote: got %v, want ResourceNotFoundException", err)
	}
}

func TestErrors(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	s.Put("db", "v")
	c := secretsmanager.NewFromConfig(s.AWSConfig(), func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })

	tests := []struct {
		name       string
		fail       string
		in         secretsmanager.GetSecretValueInput
		wantCode   string
		wantStatus int
		wantType   any
	}{
		{name: "missing secret", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("nope")}, wantCode: "ResourceNotFoundException", wantStatus: 400, wantType: new(*types.ResourceNotFoundException)},
		{name: "missing stage", in: secretsmanager.GetSecretValueInput{SecretId: aws.String("db"), VersionStage: aws.String("AWSPENDING")}, wantCode: "ResourceNotFoundException", wantStatus: 400, wantType: new(*types.ResourceNotFoundException)},
		{name: "throttled", fail: "ThrottlingException", wantCode: "ThrottlingException", wantStatus: 400},
		{name: "internal", fail: "InternalServiceError", wantCode: "InternalServiceError", wantStatus: 500, wantType: new(*types.InternalServiceError)},
		{name: "access denied", fail: "AccessDeniedException", wantCode: "AccessDeniedException", wantStatus: 400},
		{name: "decryption", fail: "DecryptionFailure", wantCode: "DecryptionFailure", wantStatus: 400, wantType: new(*types.DecryptionFailure)},
		{name: "not found injected", fail: "ResourceNotFoundException", wantCode: "ResourceNotFoundException", wantStatus: 400, wantType: new(*types.ResourceNotFoundException)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.SecretId == nil {
				in.SecretId = aws.String("db")
			}
			if tc.fail != "" {
				s.FailNext(1, tc.fail)
			}
			_, err := get(t, c, &in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode {
				t.Fatalf("got %v, want API error %s", err, tc.wantCode)
			}
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &re) || re.HTTPStatusCode() != tc.wantStatus {
				t.Errorf("got status %v, want %d", err, tc.wantStatus)
			}
			if tc.wantType != nil && !errors.As(err, tc.wantType) {
				t.Errorf("got %T chain, want %T", err, tc.wantType)
			}
		})
	}
	// The failures were consumed: the next call succeeds.
	if _, err := get(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")}); err != nil {
		t.Fatalf("after failures: %v", err)
	}
}

// TestSDKRetries shows that the default config retries throttling and 5xx
// answers, and that each attempt counts as a call.
func TestSDKRetries(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	s.Put("db", "v")
	s.FailNext(2, "InternalServiceError")
	out, err := get(t, s.Client(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(out.SecretString) != "v" {
		t.Fatalf("got %v, %v; want the value after retries", out, err)
	}
	if got := s.Calls(); got != 3 {
		t.Errorf("Calls() = %d, want 3 (two failures, one success)", got)
	}
}

func TestRejectsMalformedRequests(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	s.Put("db", "v")
	signed := "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00"
	tests := []struct {
		name     string
		method   string
		target   string
		ctype    string
		auth     string
		body     string
		wantType string
	}{
		{name: "no auth", target: "secretsmanager.GetSecretValue", ctype: "application/x-amz-json-1.1", body: `{"SecretId":"db"}`, wantType: "MissingAuthenticationTokenException"},
		{name: "wrong target", target: "secretsmanager.ListSecrets", ctype: "application/x-amz-json-1.1", auth: signed, body: `{"SecretId":"db"}`, wantType: "UnknownOperationException"},
		{name: "wrong content type", target: "secretsmanager.GetSecretValue", ctype: "application/json", auth: signed, body: `{"SecretId":"db"}`, wantType: "SerializationException"},
		{name: "bad json", target: "secretsmanager.GetSecretValue", ctype: "application/x-amz-json-1.1", auth: signed, body: `{`, wantType: "SerializationException"},
		{name: "no id", target: "secretsmanager.GetSecretValue", ctype: "application/x-amz-json-1.1", auth: signed, body: `{}`, wantType: "InvalidParameterException"},
		{name: "GET", method: "GET", target: "secretsmanager.GetSecretValue", ctype: "application/x-amz-json-1.1", auth: signed, wantType: "UnknownOperationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req, _ := http.NewRequest(method, s.URL()+"/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", tc.target)
			req.Header.Set("Content-Type", tc.ctype)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || !strings.Contains(string(body), `"__type":"`+tc.wantType+`"`) {
				t.Errorf("got %d %s, want 400 with __type %s", resp.StatusCode, body, tc.wantType)
			}
		})
	}
}

func TestHoldRelease(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	s.Put("db", "v")
	s.Hold()
	c := s.Client()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			_, err := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
			errs <- err
		})
	}
	if !s.WaitCalls(t.Context(), 3) {
		t.Fatal("requests never arrived")
	}
	select {
	case err := <-errs:
		t.Fatalf("a held request returned early: %v", err)
	default:
	}
	s.Release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("after Release: %v", err)
		}
	}
	// A held request whose client gives up is abandoned cleanly.
	s.Hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
		done <- err
	}()
	if !s.WaitCalls(t.Context(), 4) {
		t.Fatal("request never arrived")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled held request: got %v, want context.Canceled", err)
	}
}

func TestDeleteAndWaitCalls(t *testing.T) {
	s := smfake.New()
	defer s.Close()
	s.Put("db", "v")
	s.Delete("db")
	c := secretsmanager.NewFromConfig(s.AWSConfig(), func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	_, err := get(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("after Delete: got %v, want ResourceNotFoundException", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s.WaitCalls(ctx, 2) {
		t.Fatal("WaitCalls reported 2 calls after 1")
	}
	if !s.WaitCalls(ctx, 1) {
		t.Fatal("WaitCalls did not see the call already made")
	}
}
