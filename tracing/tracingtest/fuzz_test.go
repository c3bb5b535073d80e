package tracingtest

import "testing"

// FuzzDecodeExport: any body a collector receives gives spans or an
// error, never a panic.
func FuzzDecodeExport(f *testing.F) {
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00})
	f.Add([]byte{0x0a, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeExport(b)
	})
}
