# vendored helper
SLACK = "xoxb-104974650752-9170342366712-CzJr4i0B3JrTAwR4y9ojfljo"
