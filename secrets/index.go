package secrets

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
// that the common lookup (AWSCURRENT) compares or hashes the id alone.
type table struct {
	byID map[string]*group
	// few holds the same groups as byID when there are at most fewIDs of
	// them, as in most functions. Comparing a few ids costs less than
	// hashing one, and a caller passing the string it passed before (a
	// constant, say) matches on the pointer without reading the bytes.
	few []idGroup
	n   int // entries in all groups
}

type idGroup struct {
	id      string
	g       *group
	current *entry // g.current, one load closer
}

const fewIDs = 8

// group returns the group of id, or nil.
func (t *table) group(id string) *group {
	if len(t.byID) > fewIDs {
		return t.byID[id]
	}
	for i := range t.few {
		if t.few[i].id == id {
			return t.few[i].g
		}
	}
	return nil
}

// current returns the AWSCURRENT entry of id, or nil.
func (t *table) current(id string) *entry {
	if len(t.byID) > fewIDs {
		if g := t.byID[id]; g != nil {
			return g.current
		}
		return nil
	}
	for i := range t.few {
		if t.few[i].id == id {
			return t.few[i].current
		}
	}
	return nil
}

// publish makes t the cache's index. c.mu must be held.
func (c *Cache) publish(t *table) {
	if len(t.byID) <= fewIDs {
		t.few = make([]idGroup, 0, len(t.byID))
		for id, g := range t.byID {
			t.few = append(t.few, idGroup{id, g, g.current})
		}
	}
	c.entries.Store(t)
}

// group holds the entries of one secret id. It is immutable too.
type group struct {
	current *entry         // AWSCURRENT
	others  map[key]*entry // other stages and version ids
}

func (t *table) lookup(k key) *entry {
	g := t.group(k.id)
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
		victim.retire()
	}
	e := &entry{key: k}
	e.lastUsed.Store(c.uses.Add(1))
	t.set(k, e)
	c.publish(t)
	return e
}

// touch records a use of e for LRU. Uses are stamped from a counter, not
// the clock, so that a hit reads no clock; and an entry that already holds
// the latest stamp is not written again, so that hits on one key, however
// many goroutines make them, only read shared memory. Hits that alternate
// between keys write a stamp each.
func (c *Cache) touch(e *entry) {
	if e.lastUsed.Load() < c.uses.Load() {
		e.lastUsed.Store(c.uses.Add(1))
	}
}
