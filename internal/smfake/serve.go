package smfake

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
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

// serve answers one request: the checks every operation passes, then
// GetSecretValue here or a rotation operation (rotation.go).
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if errType, msg := checkRequest(r); errType != "" {
		writeError(w, errType, msg)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != targetGet {
		s.serveRotation(w, r, target)
		return
	}
	s.serveGet(w, r)
}

// checkRequest returns the error the real endpoint answers before it
// looks at the operation (method, content type, a SigV4 Authorization
// header), or an empty errType when r passes.
func checkRequest(r *http.Request) (errType, msg string) {
	switch {
	case r.Method != http.MethodPost:
		return "UnknownOperationException", "only POST is supported"
	case !strings.HasPrefix(r.Header.Get("Content-Type"), contentType):
		return "SerializationException", "content type must be " + contentType
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="):
		return "MissingAuthenticationTokenException", "request is missing a SigV4 Authorization header"
	}
	return "", ""
}

// serveGet answers GetSecretValue. Every request whose body could be
// read is counted, held and subject to injected failures, even one that
// is not valid JSON.
func (s *Server) serveGet(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, "SerializationException", "cannot read body")
		return
	}
	req, decodeErr := decodeGet(body)
	if !s.arrive(r.Context(), req) {
		return // the client gave up while the request was held
	}
	s.mu.Lock()
	out, errType, msg := s.answerGet(req, decodeErr)
	s.mu.Unlock()
	if errType != "" {
		writeError(w, errType, msg)
		return
	}
	writeReply(w, http.StatusOK, out)
}

// decodeGet decodes a GetSecretValue body. On a decoding error, req
// holds what could be decoded.
func decodeGet(body []byte) (Request, error) {
	var in struct {
		SecretId     *string
		VersionId    *string
		VersionStage *string
	}
	err := json.Unmarshal(body, &in)
	return Request{SecretID: deref(in.SecretId), VersionID: deref(in.VersionId), VersionStage: deref(in.VersionStage)}, err
}

// arrive records req, wakes [Server.WaitCalls], and waits while the
// server holds requests. It reports false when ctx ended first.
func (s *Server) arrive(ctx context.Context, req Request) bool {
	s.mu.Lock()
	s.calls++
	s.requests = append(s.requests, req)
	hold := s.hold
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
	if hold == nil {
		return true
	}
	select {
	case <-hold:
		return true
	case <-ctx.Done():
		return false
	}
}

// answerGet returns GetSecretValue's reply body, or the error to answer
// instead: an injected failure first, then the request's own faults. The
// caller holds s.mu; the reply shares no mutable state with the store.
func (s *Server) answerGet(req Request, decodeErr error) (out map[string]any, errType, msg string) {
	switch {
	case s.failN > 0:
		s.failN--
		return nil, s.failType, "injected failure"
	case decodeErr != nil:
		return nil, "SerializationException", "body is not valid JSON"
	case req.SecretID == "":
		return nil, "InvalidParameterException", "SecretId is required"
	}
	sec := s.lookup(req.SecretID)
	if sec == nil {
		return nil, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."
	}
	v := sec.find(req.VersionID, req.VersionStage)
	if v == nil {
		return nil, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label or version id."
	}
	out = map[string]any{
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
		out["SecretBinary"] = v.bin // encoding/json writes base64, as AWS does; never modified once stored
	}
	return out, "", ""
}

func writeError(w http.ResponseWriter, errType, msg string) {
	writeReply(w, errorStatus(errType), map[string]string{"__type": errType, "message": msg})
}

// writeReply sends body as a JSON 1.1 reply with a request id, as every
// answer of the real endpoint carries.
func writeReply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
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
