package archive

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"512": 512, "64KiB": 64 << 10, "10GiB": 10 << 30, "1.5 GB": 1.5e9, "1G": 1 << 30, "2mb": 2e6, "7B": 7,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "ten", "NaN", "1e30GiB", "5 parsecs"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	for _, n := range []int64{0, 1, 1 << 10, 3 << 20, 5 << 30} {
		if got, err := ParseSize(FormatSize(n)); err != nil || got != n {
			t.Errorf("ParseSize(FormatSize(%d)) = %d, %v", n, got, err)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12329: "12,329", 123456: "123,456", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
