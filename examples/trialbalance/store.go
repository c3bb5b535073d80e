package main

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// errEmailTaken is returned by store.createUser when the address is
// registered already.
var errEmailTaken = errors.New("trialbalance: email already registered")

// store keeps the accounts that log in and the ledger. Emails reach it
// normalised (lower case). Implementations are safe for concurrent use.
type store interface {
	createUser(ctx context.Context, email, hash string) error
	// passwordHash returns the stored hash, or ok false for an unknown email.
	passwordHash(ctx context.Context, email string) (hash string, ok bool, err error)
	setPasswordHash(ctx context.Context, email, hash string) error
	// totals sums the postings of entries dated from..to (inclusive) per
	// account, ordered by account code; accounts without postings are left out.
	totals(ctx context.Context, from, to time.Time) ([]accountTotals, error)
	ping(ctx context.Context) error
	close() error
}

// memStore is the in-memory store of the embedded defaults: users live as
// long as the process, and the ledger is the sample one.
type memStore struct {
	mu       sync.RWMutex
	users    map[string]string
	accounts map[string]string
	entries  []entry
}

func newMemStore() *memStore {
	s := &memStore{users: map[string]string{}, accounts: map[string]string{}, entries: sampleEntries()}
	for _, a := range sampleAccounts() {
		s.accounts[a.Code] = a.Name
	}
	return s
}

func (s *memStore) createUser(_ context.Context, email, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[email]; ok {
		return errEmailTaken
	}
	s.users[email] = hash
	return nil
}

func (s *memStore) passwordHash(_ context.Context, email string) (string, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h, ok := s.users[email]
	return h, ok, nil
}

func (s *memStore) setPasswordHash(_ context.Context, email, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[email]; ok {
		s.users[email] = hash
	}
	return nil
}

func (s *memStore) totals(_ context.Context, from, to time.Time) ([]accountTotals, error) {
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	sums := map[string]*accountTotals{}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, e := range s.entries {
		if e.Date < lo || e.Date > hi {
			continue
		}
		for _, p := range e.Postings {
			t := sums[p.Account]
			if t == nil {
				t = &accountTotals{Code: p.Account, Name: s.accounts[p.Account]}
				sums[p.Account] = t
			}
			t.Debits += p.Debit
			t.Credits += p.Credit
		}
	}
	out := make([]accountTotals, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b accountTotals) int { return cmp.Compare(a.Code, b.Code) })
	return out, nil
}

func (s *memStore) ping(context.Context) error { return nil }
func (s *memStore) close() error               { return nil }
