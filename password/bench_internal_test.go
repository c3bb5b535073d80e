package password

import "testing"

// The one-time cost of the embedded list, paid on the first Check.
func BenchmarkParseEmbeddedBlocklist(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = parseEmbedded()
	}
}
