package secrets

import (
	"time"
)

// The index maps keys to entries. It is a copy-on-write snapshot: readers
// load it with one atomic load and no lock, writers (Cache.mu) build a new
// one. Adding a key is rare (once per key, next to a network call), so the
// copy is cheap where it happens and the read path stays lock-free.

// key identifies one cached value. Exactly one of stage and version is set.
type key struct {
	id, stage, version string
}

func isCurrent(k key) bool { return k.version == "" && k.stage == StageCurrent }

// table is an immutable snapshot of the cache's entries, by secret id, so
// that the common lookup (AWSCURRENT) hashes the id alone.
type table struct {
	byID map[string]*group
	n    int // entries in all groups
}

// group holds the entries of one secret id. It is immutable too.
type group struct {
	current *entry         // AWSCURRENT
	others  map[key]*entry // other stages and version ids
}

func (t *table) lookup(k key) *entry {
	g := t.byID[k.id]
	switch {
	case g == nil:
		return nil
	case isCurrent(k):
		return g.current
	}
	return g.others[k]
}

// without returns a copy of t without the group of id.
func (t *table) without(id string) *table {
	g := t.byID[id]
	nt := &table{byID: make(map[string]*group, len(t.byID)), n: t.n - g.size()}
	for gid, g := range t.byID {
		if gid != id {
			nt.byID[gid] = g
		}
	}
	return nt
}

// clone returns a copy of t whose groups can be replaced.
func (t *table) clone() *table {
	nt := &table{byID: make(map[string]*group, len(t.byID)+1), n: t.n}
	for id, g := range t.byID {
		nt.byID[id] = g
	}
	return nt
}

// set puts e under k, or removes k if e is nil. t must be a fresh clone.
func (t *table) set(k key, e *entry) {
	old := t.byID[k.id]
	ng := old.with(k, e)
	t.n += ng.size() - old.size()
	if ng.size() == 0 {
		delete(t.byID, k.id)
		return
	}
	t.byID[k.id] = ng
}

// leastRecentlyUsed returns the entry of t used longest ago.
func (t *table) leastRecentlyUsed() *entry {
	var victim *entry
	for _, g := range t.byID {
		for _, e := range g.all() {
			if victim == nil || e.lastUsed.Load() < victim.lastUsed.Load() {
				victim = e
			}
		}
	}
	return victim
}

func (g *group) size() int {
	if g == nil {
		return 0
	}
	n := len(g.others)
	if g.current != nil {
		n++
	}
	return n
}

// with returns a copy of g with e added, or replacing old, or without old
// if e is nil.
func (g *group) with(k key, e *entry) *group {
	ng := &group{}
	if g == nil {
		g = &group{}
	}
	ng.current = g.current
	if len(g.others) > 0 || (e != nil && !isCurrent(k)) {
		ng.others = make(map[key]*entry, len(g.others)+1)
		for k, e := range g.others {
			ng.others[k] = e
		}
	}
	switch {
	case isCurrent(k):
		ng.current = e
	case e == nil:
		delete(ng.others, k)
	default:
		ng.others[k] = e
	}
	return ng
}

// all lists g's entries.
func (g *group) all() []*entry {
	es := make([]*entry, 0, g.size())
	if g.current != nil {
		es = append(es, g.current)
	}
	for _, e := range g.others {
		es = append(es, e)
	}
	return es
}

// entry returns the entry for k, creating it (and evicting the least
// recently used entry if the cache is full).
func (c *Cache) entry(k key) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.entries.Load()
	if e := old.lookup(k); e != nil {
		return e
	}
	t := old.clone()
	if t.n >= c.maxEntries {
		victim := old.leastRecentlyUsed()
		t.set(victim.key, nil)
	}
	e := &entry{key: k}
	e.lastUsed.Store(int64(c.clock()))
	t.set(k, e)
	c.entries.Store(t)
	return e
}

// touch records a use for LRU, to the millisecond: it skips the write
// within a millisecond of the last one, so that parallel hits on one key do
// not fight over its cache line.
func (e *entry) touch(now instant) {
	if t := int64(now); t-e.lastUsed.Load() >= int64(time.Millisecond) {
		e.lastUsed.Store(t)
	}
}
