"""Single sign-on across the platform network (统一身份认证): the provincial node is an OpenID Connect provider,
every node under it a relying party."""
