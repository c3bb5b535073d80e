package smfake

import (
	"context"
	"slices"
)

// Test controls: injected failures, held requests, and what the server
// received.

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
