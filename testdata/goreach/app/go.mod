module example.com/app

go 1.26

require example.com/vulndep v1.0.0
