@fault @grace
Feature: Through an outage of the app, readers get the last good page, and never a withdrawn one
  In order that The Publication stays readable on the days the app is down, and what I withdraw stays withdrawn
  As the publisher
  I want every page stored before an outage served, marked stale, until the app is back, except what I withdrew

  (A page lives PAGECACHE_TTL, 5 minutes; its last good copy a day more, PAGECACHE_GRACE.
  The suite ends a page's lifetime by hand rather than wait for it.)

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Rule: While the app cannot answer, a reader gets the page's last good copy, marked stale

    Scenario: With the app stopped after a page's lifetime, readers get its last good copy
      Given readers have seen "/blog/hello-world/" served from memcached
      And the lifetime of the stored page "/blog/hello-world/" has ended
      And the app is stopped
      When a reader visits "/blog/hello-world/"
      Then the reader gets the page's last good copy, marked stale
      And the reader sees "Hello world"

    Scenario: With the app hung after a page's lifetime, readers get its last good copy within the time limit
      Given readers have seen "/blog/hello-world/" served from memcached
      And the lifetime of the stored page "/blog/hello-world/" has ended
      And the app is frozen
      When a reader visits "/blog/hello-world/"
      Then the reader gets the page's last good copy, marked stale, within 4 seconds

    Scenario: A post edited just before the app stops: readers get its last good version
      Given readers have seen "/blog/hello-world/" served from memcached
      When an editor changes the title of "Hello world" to "Hello again"
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the page's last good copy, marked stale
      And the reader sees "Hello world"

  Rule: A withdrawn page is never served again, not even while the app is down

    Scenario Outline: A post <how> is served neither on its page nor on the index while the app is down
      Given readers have seen "/blog/hello-world/" served from memcached
      And readers have seen "/" served from memcached
      And a reader has visited "/" on host "127.0.0.1"
      When <withdrawing it>
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page
      And within 2 seconds readers of "/" get the site's service-unavailable page
      And within 2 seconds readers of "/" on host "127.0.0.1" get the site's service-unavailable page

      Examples:
        | how                           | withdrawing it                                     |
        | unpublished                   | an editor unpublishes "Hello world"                |
        | deleted                       | an editor deletes "Hello world"                    |
        | whose pages an editor forgets | an editor forgets the pages of "Hello world"       |

    Scenario: A post edited, then unpublished: neither version is served while the app is down
      Given readers have seen "/blog/hello-world/" served from memcached
      And an editor changes the title of "Hello world" to "Hello again"
      When an editor unpublishes "Hello again"
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page

    Scenario: A post read, edited, read and edited again, then unpublished: no version is served while the app is down
      Given readers have seen "/blog/hello-world/" titled "Hello world", then "Hello again"
      And an editor changes the title of "Hello again" to "Hello a third time"
      When an editor unpublishes "Hello a third time"
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page

    Scenario: A post whose publication time is cleared is not served while the app is down
      Given readers have seen "/blog/hello-world/" served from memcached
      When an editor clears the publication time of "Hello world"
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page

    Scenario: A moved post's old address is served neither on any host while the app is down
      Given readers have seen "/blog/hello-world/" served from memcached
      And a reader has visited "/blog/hello-world/" on host "127.0.0.1"
      When an editor moves "Hello world" to "/blog/hello-again/"
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page
      And within 2 seconds readers of "/blog/hello-world/" on host "127.0.0.1" get the site's service-unavailable page

    Scenario: A moved post's index keeps its last good copy while the app is down
      Given readers have seen "/" served from memcached
      When an editor moves "Hello world" to "/blog/hello-again/"
      And the app is stopped
      Then within 2 seconds readers of "/" get the page's last good copy, marked stale

    Scenario: A page an operator forgets is not served while the app is down, on any host
      Given readers have seen "/blog/hello-world/" served from memcached
      And a reader has visited "/blog/hello-world/" on host "127.0.0.1"
      When an operator runs "forget /blog/hello-world/"
      And the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page
      And within 2 seconds readers of "/blog/hello-world/" on host "127.0.0.1" get the site's service-unavailable page

    Scenario: A page being rendered when its post is withdrawn leaves no copy behind
      Given a reader's render of "/blog/hello-world/" has read "Hello world" and is paused
      When an editor unpublishes "Hello world"
      And the paused render finishes
      Then memcached holds no copy of "/blog/hello-world/"
      When the app is stopped
      Then within 2 seconds readers of "/blog/hello-world/" get the site's service-unavailable page

  Rule: A grace copy stands in only for an app that cannot answer, and only for anonymous readers

    Scenario: A page the app says is gone is never masked by its last good copy
      Given readers have seen "/blog/hello-world/" served from memcached
      When an editor moves "Hello world" to "/blog/hello-again/"
      Then within 2 seconds readers of "/blog/hello-world/" get the site's page-not-found page

    Scenario: A reader with a session never gets a grace copy
      Given the user "alice" exists with password "a-long-secret"
      And alice has logged in
      And readers have seen "/blog/hello-world/" served from memcached
      And the lifetime of the stored page "/blog/hello-world/" has ended
      And the app is stopped
      When alice visits "/blog/hello-world/"
      Then the reader gets the site's service-unavailable page

  Rule: A page that expired without any change costs no reader a wait; a changed page is never served old

    Scenario: Readers of an expired, unchanged page get it at once while one request renders it afresh
      Given readers have seen "/specimens/slow/1500/" served from memcached
      And the lifetime of the stored page "/specimens/slow/1500/" has ended
      When 10 readers ask for "/specimens/slow/1500/" at the same moment
      Then every reader gets a 200 page within a second
      And within 4 seconds readers of "/specimens/slow/1500/" get it from memcached again

    Scenario: After an edit, the next reader gets the new version, never the old one marked stale
      Given a reader has visited "/blog/hello-world/"
      And an editor changes the title of "Hello world" to "Hello again"
      When a reader visits "/blog/hello-world/"
      Then the reader sees "Hello again"
