module echoservers/reference/go-echo

go 1.19
