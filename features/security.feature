@security
Feature: Nobody can make the cache serve what they choose
  In order that every reader can trust the page they are served
  As the publisher
  I want no client able to store a page under another key, taint a stored page, or store a private one

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Rule: A page is stored only under nginx's key for the very request that rendered it

    Scenario Outline: A Host header with <kind> stores nothing but its own page, under nginx's key
      When an attacker requests "/blog/hello-world/" with the Host "<host>"
      Then memcached holds nothing but that response, under nginx's key for that very request

      Examples:
        | kind                | host                    |
        | capitals and a port | LocalHost:1             |
        | a trailing dot      | localhost.              |
        | another site's name | evil.example            |
        | two names           | localhost, evil.example |

    Scenario: An absolute-form request line cannot store a page under another site's key
      When an attacker requests "http://evil.example/blog/hello-world/" with the Host "localhost"
      Then memcached holds no page at all

    Scenario Outline: An odd path (<kind>) stores nothing but its own page, under nginx's key
      When an attacker requests "<path>"
      Then memcached holds nothing but that response, under nginx's key for that very request

      Examples:
        | kind             | path                           |
        | double slashes   | //blog//hello-world/           |
        | dot segments     | /blog/../blog/hello-world/     |
        | a dot segment    | /blog/./hello-world/           |
        | an encoded slash | /blog%2Fhello-world/           |
        | encoded dots     | /blog/%2E%2E/blog/hello-world/ |

    Scenario: A client cannot choose the key a page is stored under
      When an attacker requests "/" claiming the key of "/blog/hello-world/"
      Then memcached holds nothing for "/blog/hello-world/"
      And memcached holds the page under md5 of the host and "/"

  Rule: Nothing a client sends beyond the host and URI can taint a stored page

    Scenario Outline: A header the key does not cover (<header>) cannot taint the stored page
      Given a reader has visited "/blog/hello-world/"
      And memcached has forgotten "/blog/hello-world/"
      When an attacker requests "/blog/hello-world/" with the header "<header>"
      Then the page stored for "/blog/hello-world/" is the one the first reader got

      Examples:
        | header                                   |
        | X-Forwarded-Host: evil.example           |
        | X-Forwarded-Proto: https                 |
        | Forwarded: host=evil.example;proto=https |
        | Accept-Language: fr                      |
        | X-Original-URL: /admin/                  |
        | Cookie: csrftoken=planted                |

  Rule: Only a whole page rendered for an anonymous GET is stored

    Scenario Outline: A <method> request stores nothing
      When an attacker sends a <method> request to "/blog/hello-world/"
      Then memcached holds no page at all

      Examples:
        | method  |
        | POST    |
        | PUT     |
        | PATCH   |
        | DELETE  |
        | OPTIONS |
        | HEAD    |

    Scenario Outline: <kind> is never stored
      When a reader visits "<uri>"
      Then the reader gets a <status> page
      And memcached holds no page at all

      Examples:
        | kind                      | uri               | status |
        | A redirect to add a slash | /blog/hello-world | 301    |
        | A redirect to log in      | /portal/          | 302    |

    Scenario: A page too big for memcached is served, and not stored
      Given a published post "War and peace" at "/blog/war-and-peace/" of 1200 kB
      When a reader visits "/blog/war-and-peace/"
      Then the reader gets a 200 page
      And memcached holds no page at all

    Scenario: A forged session cookie stores nothing
      When an attacker requests "/" with the header "Cookie: sessionid=forged"
      Then the reader gets a 200 page
      And memcached holds no page at all

  Rule: nginx and Django agree on who has a session: whoever nginx keeps from the shared copy stores nothing

    Scenario Outline: A session cookie written <shape> gets its reader's own page and stores nothing
      Given the user "Jack" exists with password "jack-secret-1"
      And readers have seen "/blog/hello-world/" served from memcached
      And Jack has logged in
      When Jack visits "/blog/hello-world/" with the session cookie written <shape>
      Then the page is rendered by Django
      And Jack sees "Jack"

      Examples:
        | shape                              |
        | in a second Cookie header          |
        | with spaces around its equals sign |
        | after a tab                        |
        | without spaces                     |
        | after the Unicode space U+0085     |
        | after the Unicode space U+00A0     |
        | after the Unicode space U+1680     |
        | after the Unicode space U+2000     |
        | after the Unicode space U+2028     |
        | after the Unicode space U+3000     |

    Scenario: A request nginx keeps from the shared copy stores nothing, whatever Django reads in it
      Given the user "Jack" exists with password "jack-secret-1"
      And Jack has logged in
      When Jack visits "/blog/hello-world/" with the session cookie written in a second Cookie header
      Then memcached holds nothing for "/blog/hello-world/"

    Scenario: A request with credentials gets no shared copy, and stores nothing
      Given readers have seen "/blog/hello-world/" served from memcached
      And memcached has forgotten "/blog/hello-world/"
      When an attacker requests "/blog/hello-world/" with the header "Authorization: Basic amFjazpzZWNyZXQ="
      Then the page is rendered by Django
      And memcached holds nothing for "/blog/hello-world/"
