package resp

import (
	"bytes"
	"strings"
	"testing"
)

func TestReleaseShrinkAndPeak(t *testing.T) {
	big := "*2\r\n$4\r\nECHO\r\n$40000\r\n" + strings.Repeat("x", 40000) + "\r\n"
	src := bytes.NewBufferString(big + "*1\r\n$4\r\nPING\r\n")
	r := NewReader(src)
	r.Authenticated = true
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if r.Cap() < 40000 {
		t.Fatalf("Cap = %d after a 40 kB request", r.Cap())
	}
	if p := r.TakePeak(); p < 40000 {
		t.Fatalf("peak = %d, want >= 40000", p)
	}
	args, err := r.ReadCommand()
	if err != nil || string(args[0]) != "PING" {
		t.Fatalf("PING after big request: %q %v", args, err)
	}
	r.Shrink(1024)
	if r.Cap() != 1024 {
		t.Fatalf("Cap after Shrink = %d", r.Cap())
	}
	r.Release()
	if r.Cap() != 0 {
		t.Fatalf("Cap after Release = %d", r.Cap())
	}
	src.WriteString("*1\r\n$4\r\nPING\r\n")
	total := r.Total
	args, err = r.ReadCommand()
	if err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("after Release: %q %v", args, err)
	}
	if r.Total-total != 14 || r.Cap() == 0 {
		t.Fatalf("Total grew by %d, Cap %d", r.Total-total, r.Cap())
	}
}

func TestReleaseKeepsPendingData(t *testing.T) {
	r := NewReader(bytes.NewBufferString("*1\r\n$4\r\nPI"))
	if _, ok, _ := r.Next(); ok {
		t.Fatal("incomplete command parsed")
	}
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	r.Release()
	r.Shrink(1)
	if r.Buffered() == 0 || r.Cap() == 0 {
		t.Fatal("Release/Shrink dropped pending data")
	}
}
