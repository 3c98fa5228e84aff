// Command go-echo is Go's idiomatic echo server, a peer of the C server in the bench: net.Listen,
// one goroutine per connection, a blocking-style Read then Write. Go's runtime parks the goroutine on
// its own epoll poller (edge-triggered) while a socket has nothing to read, so this is "a thread per
// client" in its source and an event loop underneath. Go sets TCP_NODELAY on every TCP connection by
// default, as the other servers of the bench do by hand.
//
// Build: go build -o go-echo .   (scripts/build-references.sh does it)
// Usage: go-echo PORT            listens on 127.0.0.1:PORT
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// readSize is bufio's default size: each connection owns its buffer (a goroutine cannot share one as
// the C server's thread does), so a larger one would cost 10,000 idle connections hundreds of MiB.
const readSize = 4096

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-echo PORT   (listens on 127.0.0.1)")
		os.Exit(2)
	}
	port, err := strconv.Atoi(os.Args[1])
	if err != nil || port < 1 || port > 65535 {
		fmt.Fprintln(os.Stderr, "go-echo: PORT must be 1-65535")
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-echo:", err)
		os.Exit(1)
	}
	for {
		conn, err := listener.Accept()
		if err != nil {
			// Out of descriptors and the like are passing; keep accepting (net already retries EINTR).
			fmt.Fprintln(os.Stderr, "go-echo: accept:", err)
			continue
		}
		go serve(conn)
	}
}

// serve echoes until the peer closes or the connection fails. Write blocks (parks the goroutine) while
// the socket's send buffer is full, so a client that does not read stops this connection's reads: the
// same backpressure the C server gets from EPOLLOUT.
func serve(conn net.Conn) {
	defer conn.Close()
	buffer := make([]byte, readSize)
	for {
		n, err := conn.Read(buffer)
		if n > 0 {
			if _, werr := conn.Write(buffer[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
