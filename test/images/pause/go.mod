module hks-dev/pause

go 1.22
